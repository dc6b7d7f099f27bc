"""Finding the sessions of an archive folder, streaming: one folder's listing at a time.

Two layouts are recognised:

- the TUH EEG corpus: ``edf/<nnn>/<patient>/<session folder>/<montage>/<patient>_<session>_<token>.edf``
  with the session's report ``<patient>_<session>.txt`` in the session folder (or beside the
  files); a session has one or more EDF tokens;
- a plain folder: every EDF/BDF file is a session of its own, its report a ``.txt`` of the same
  stem beside it.

``auto`` reads a file name as TUH when it has the TUH form and as plain otherwise. The walk
visits folders depth first in sorted order, so a session's files (all under its session
folder) come out together and the order never depends on the file system.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from elm_desktop.errors import ConfigError
from elm_desktop.signals.event_files import is_sidecar

LAYOUTS = ("auto", "tuh", "plain")
RECORDING_SUFFIXES = (".edf", ".bdf")
_TUH_NAME = re.compile(r"(?P<patient>[^_/]+)_(?P<session>s\d+)_(?P<token>t\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Session:
    """One session of the archive: its recordings and where its report should be.

    Attributes
    ----------
    key : str
        ``tuh:<patient>_<session>`` or ``plain:<path relative to the archive>``; hashed, never
        written.
    patient : str
        The archive's patient code (TUH) or an empty string (plain: the header tells).
    recordings : tuple of (token, Path)
        Token name (``t000``) and file, in name order.
    report : Path or None
        The report file, None when there is none.
    problem : str or None
        Why the session cannot be imported whatever its files hold (a file name the layout
        does not allow).
    """

    key: str
    patient: str
    recordings: tuple[tuple[str, Path], ...]
    report: Path | None
    problem: str | None = None


def _sorted_entries(folder: Path) -> list[os.DirEntry]:
    with os.scandir(folder) as entries:
        return sorted(entries, key=lambda entry: entry.name)


def _walk_recordings(folder: Path) -> Iterator[Path]:
    """EDF/BDF paths under ``folder``, depth first, sorted; a folder named ``*.edf`` is
    yielded (reading it says what it is) instead of entered, an events sidecar skipped."""
    for entry in _sorted_entries(folder):
        path = Path(entry.path)
        is_recording_name = path.suffix.lower() in RECORDING_SUFFIXES
        if entry.is_dir(follow_symlinks=False) and not is_recording_name:
            yield from _walk_recordings(path)
        elif is_recording_name and not is_sidecar(path):
            yield path


def _tuh_report(path: Path, patient: str, session: str) -> Path | None:
    name = f"{patient}_{session}.txt"
    for folder in (path.parent.parent, path.parent):
        if (folder / name).is_file():
            return folder / name
    return None


def iter_sessions(root: Path, layout: str = "auto") -> Iterator[Session]:
    """Yield the sessions under ``root`` in a stable order, reading one folder at a time.

    Raises
    ------
    ConfigError
        If ``root`` is not a folder or ``layout`` is unknown.
    """
    if layout not in LAYOUTS:
        raise ConfigError(f"unknown layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    root = Path(root)
    if not root.is_dir():
        raise ConfigError(f"{root} is not a folder; give the archive's top folder")
    pending: list[tuple[str, Path]] = []
    pending_key, pending_patient = "", ""
    for path in _walk_recordings(root):
        match = _TUH_NAME.fullmatch(path.stem) if layout != "plain" else None
        if match is None:
            if pending:
                yield _tuh_session(pending_key, pending_patient, pending)
                pending = []
            yield _plain_session(root, path, layout)
            continue
        patient, session = match.group("patient"), match.group("session").lower()
        key = f"tuh:{patient}_{session}"
        if pending and key != pending_key:
            yield _tuh_session(pending_key, pending_patient, pending)
            pending = []
        pending_key, pending_patient = key, patient
        pending.append((match.group("token").lower(), path))
    if pending:
        yield _tuh_session(pending_key, pending_patient, pending)


def _plain_session(root: Path, path: Path, layout: str) -> Session:
    key = f"plain:{path.relative_to(root).as_posix()}"
    if layout == "tuh":
        problem = "the file name is not <patient>_<session>_<token>.edf (TUH layout)"
        return Session(key, "", (("t000", path),), None, problem)
    report = path.with_suffix(".txt")
    return Session(key, "", (("t000", path),), report if report.is_file() else None)


def _tuh_session(key: str, patient: str, recordings: list[tuple[str, Path]]) -> Session:
    session = key.split("_")[-1]
    report = None
    for _, path in recordings:
        report = report or _tuh_report(path, patient, session)
    return Session(key, patient, tuple(sorted(recordings)), report)
