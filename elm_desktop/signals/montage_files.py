"""Montage files: the reviewer's own montages, one JSON file each in the user data folder.

A file holds a name, a description and the traces in display order::

    {"format": "elm-desktop-montage", "version": 1, "name": "banana-ekg",
     "description": "double banana, midline in blue",
     "traces": [{"electrode": "Fp1", "reference": "F7"},
                {"electrode": "Fz", "reference": "Cz", "colour": "#1f4fbf", "gain": 2.0,
                 "inverted": false, "hidden": false}]}

A reference is another electrode, ``"A1A2"`` (linked ears), ``"Avg"`` (common average),
``"Lap"`` (Hjorth Laplacian) or ``""`` (as recorded). Electrode names are read as recordings'
channel names are (``T7`` is ``T3``, ``EEG FP1-REF`` is ``Fp1``). A file that cannot be used is
reported in one line naming the file and the fault; the other montages stay available.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from pathlib import Path

from elm_desktop.errors import ConfigError
from elm_desktop.paths import data_dir
from elm_desktop.signals.channels import classify_channel
from elm_desktop.signals.derivations import COMPUTED_REFERENCES, Montage, Trace

FORMAT = "elm-desktop-montage"
VERSION = 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_STYLE_DEFAULTS = {"colour": None, "gain": 1.0, "inverted": False, "hidden": False}


def montage_folder() -> Path:
    """Return the folder of the user's montage files (``montages`` in the user data folder)."""
    return data_dir() / "montages"


def _electrode(name: object, where: str) -> str:
    if not isinstance(name, str):
        raise ConfigError(f"{where}: an electrode name must be text, not {name!r}")
    info = classify_channel(name)
    if not info.is_eeg:
        raise ConfigError(f"{where}: {name!r} is not a 10-20 / 10-10 electrode name")
    return info.name


def trace_from_entry(entry: object, number: int) -> Trace:
    """Return the trace a file entry (or an editor row) describes; ``number`` counts from 1.

    Raises
    ------
    ConfigError
        One line naming the trace and what is wrong with it.
    """
    where = f"trace {number}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be an object with an electrode and a reference")
    unknown = set(entry) - {"electrode", "reference", *_STYLE_DEFAULTS}
    if unknown:
        raise ConfigError(f"{where} has unknown fields: {', '.join(sorted(unknown))}")
    reference = entry.get("reference", "")
    if reference not in COMPUTED_REFERENCES:
        reference = _electrode(reference, where)
    gain = entry.get("gain", 1.0)
    if isinstance(gain, bool):
        raise ConfigError(f"{where}: gain must be a positive number")
    for flag in ("inverted", "hidden"):
        if not isinstance(entry.get(flag, False), bool):
            raise ConfigError(f"{where}: {flag} must be true or false")
    return Trace(
        _electrode(entry.get("electrode"), where),
        reference,
        entry.get("colour"),
        gain,
        entry.get("inverted", False),
        entry.get("hidden", False),
    )


def check_name(name: str, reserved: Collection[str] = ()) -> str:
    """Return ``name`` if it can name a montage file, else raise :class:`ConfigError`."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(
            f"montage name {name!r} must be 1-63 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if name in reserved:
        raise ConfigError(f"{name!r} is a built-in montage; give yours another name")
    return name


def read_montage(path: Path, reserved: Collection[str] = ()) -> Montage:
    """Read one montage file.

    Parameters
    ----------
    path : Path
    reserved : collection of str
        Names the montage may not take (the built-ins).

    Raises
    ------
    ConfigError
        One line naming the file and what is wrong with it.
    """
    path = Path(path)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(content, dict) or content.get("format") != FORMAT:
            raise ConfigError(f'not a montage file (no "format": "{FORMAT}")')
        if content.get("version") != VERSION:
            raise ConfigError(f"montage file version {content.get('version')!r} is not {VERSION}")
        traces = content.get("traces")
        if not isinstance(traces, list) or not traces:
            raise ConfigError("a montage needs a non-empty list of traces")
        description = content.get("description", "")
        if not isinstance(description, str):
            raise ConfigError("the description must be text")
        name = check_name(content.get("name"), reserved)
        return Montage(
            name,
            description or name,
            tuple(trace_from_entry(entry, n) for n, entry in enumerate(traces, start=1)),
        )
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"montage file {path.name} cannot be read: {error}") from None
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"montage file {path.name} is not valid JSON (line {error.lineno}): {error.msg}"
        ) from None
    except ConfigError as error:
        raise ConfigError(f"montage file {path.name}: {error}") from None


def write_montage(montage: Montage, folder: Path | None = None) -> Path:
    """Write ``montage`` as ``<name>.json`` in ``folder`` (default :func:`montage_folder`).

    Raises
    ------
    ConfigError
        If the name cannot name a file, the montage has no fixed traces, or the file cannot be
        written.
    """
    check_name(montage.name)
    if montage.every_electrode is not None or not montage.traces:
        raise ConfigError(f"montage {montage.name!r} has no fixed list of traces to save")
    folder = folder or montage_folder()
    entries = []
    for trace in montage.traces:
        entry = {"electrode": trace.electrode, "reference": trace.reference}
        entry.update(
            (key, getattr(trace, key))
            for key, default in _STYLE_DEFAULTS.items()
            if getattr(trace, key) != default
        )
        entries.append(entry)
    content = {
        "format": FORMAT,
        "version": VERSION,
        "name": montage.name,
        "description": montage.description,
        "traces": entries,
    }
    path = folder / f"{montage.name}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=1) + "\n", encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot write montage file {path}: {error.strerror}") from None
    return path


def load_user_montages(
    folder: Path | None = None, reserved: Collection[str] = ()
) -> tuple[dict[str, Montage], list[str]]:
    """Read every montage file of ``folder`` (default :func:`montage_folder`).

    Returns
    -------
    montages : dict of str to Montage
        The readable ones by name, in file-name order.
    problems : list of str
        One line per file left out (unreadable, invalid, a built-in's or an earlier file's name).
    """
    folder = folder or montage_folder()
    montages: dict[str, Montage] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            montage = read_montage(path, reserved)
        except ConfigError as error:
            problems.append(str(error))
            continue
        if montage.name in montages:
            problems.append(f"montage file {path.name}: the name {montage.name!r} is taken")
            continue
        montages[montage.name] = montage
    return montages, problems
