"""The montages a reviewer chooses from: the built-in ones and those saved by the user.

Every montage is data (:class:`~elm_desktop.signals.derivations.Montage`, a list of traces); this
module names the built-ins and finds the user's montage files, so menus, the CLI and the trace
view all go through :func:`list_montages` and :func:`get_montage`.

The built-ins are ELM's TCP montage (the model's input, which never changes), TUH's 22-channel
TCP, and the ACNS standard montages (Guideline 6): the longitudinal bipolar double banana with its
midline chain, transverse bipolar, referential to the linked ears, to Cz and to the common
average, and a Hjorth Laplacian. Electrodes carry their 10-20 names (T3/T4/T5/T6); recordings in
10-10 naming (T7/T8/P7/P8) and TUH labels map to them when they are read.
"""

from __future__ import annotations

from pathlib import Path

from elm_desktop.errors import ConfigError
from elm_desktop.signals.derivations import (
    AS_RECORDED,
    AVERAGE,
    LAPLACIAN,
    LINKED_EARS,
    Derivation,
    Montage,
    Trace,
    bipolar,
    bipolar_traces,
)
from elm_desktop.signals.montage_files import check_name, load_user_montages, write_montage

__all__ = [
    "ACNS_DOUBLE_BANANA",
    "ELM_CHANNELS",
    "REFERENTIAL_ORDER",
    "TCP_22",
    "TRANSVERSE",
    "Derivation",
    "Montage",
    "bipolar",
    "builtin_montages",
    "get_montage",
    "list_montages",
    "montage_problems",
    "save_montage",
]

#: The 20 bipolar derivations ELM was trained on, in its input order (DESIGN.md).
ELM_CHANNELS: tuple[str, ...] = (
    "Fp1-F7", "F7-T3", "T3-T5", "T5-O1",
    "Fp2-F8", "F8-T4", "T4-T6", "T6-O2",
    "T3-C3", "C3-Cz", "Cz-C4", "C4-T4",
    "Fp1-F3", "F3-C3", "C3-P3", "P3-O1",
    "Fp2-F4", "F4-C4", "C4-P4", "P4-O2",
)  # fmt: skip

#: The 22-channel TUH TCP montage: ELM's 20 chains plus the ear links A1-T3 and T4-A2.
TCP_22: tuple[str, ...] = (
    "Fp1-F7", "F7-T3", "T3-T5", "T5-O1",
    "Fp2-F8", "F8-T4", "T4-T6", "T6-O2",
    "A1-T3", "T3-C3", "C3-Cz", "Cz-C4", "C4-T4", "T4-A2",
    "Fp1-F3", "F3-C3", "C3-P3", "P3-O1",
    "Fp2-F4", "F4-C4", "C4-P4", "P4-O2",
)  # fmt: skip

#: ACNS longitudinal bipolar LB-18.1, the "double banana": temporal chains, parasagittal
#: chains, then the midline chain Fz-Cz-Pz (which TCP lacks).
ACNS_DOUBLE_BANANA: tuple[str, ...] = (
    "Fp1-F7", "F7-T3", "T3-T5", "T5-O1",
    "Fp2-F8", "F8-T4", "T4-T6", "T6-O2",
    "Fp1-F3", "F3-C3", "C3-P3", "P3-O1",
    "Fp2-F4", "F4-C4", "C4-P4", "P4-O2",
    "Fz-Cz", "Cz-Pz",
)  # fmt: skip

#: ACNS transverse bipolar TB-20.1, front to back, right to left as reviewers read them.
TRANSVERSE: tuple[str, ...] = (
    "F7-Fp1", "Fp1-Fp2", "Fp2-F8",
    "F7-F3", "F3-Fz", "Fz-F4", "F4-F8",
    "A1-T3", "T3-C3", "C3-Cz", "Cz-C4", "C4-T4", "T4-A2",
    "T5-P3", "P3-Pz", "Pz-P4", "P4-T6",
    "T5-O1", "O1-O2", "O2-T6",
)  # fmt: skip

#: The 19 scalp electrodes of the 10-20 system in ACNS referential order: left-right pairs
#: front to back, parasagittal then temporal, then the midline.
REFERENTIAL_ORDER: tuple[str, ...] = (
    "Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2",
    "F7", "F8", "T3", "T4", "T5", "T6", "Fz", "Cz", "Pz",
)  # fmt: skip


def _referential(reference: str) -> tuple[Trace, ...]:
    return tuple(Trace(e, reference) for e in REFERENTIAL_ORDER if e != reference)


_BUILTIN: dict[str, Montage] = {
    montage.name: montage
    for montage in (
        Montage("tcp-elm", "TCP (ELM input)", bipolar_traces(ELM_CHANNELS)),
        Montage(
            "acns-banana",
            "Longitudinal bipolar (ACNS double banana, with midline)",
            bipolar_traces(ACNS_DOUBLE_BANANA),
        ),
        Montage("transverse", "Transverse bipolar (ACNS)", bipolar_traces(TRANSVERSE)),
        Montage("tcp-22", "TCP 22 (TUH, with ear links A1-T3, T4-A2)", bipolar_traces(TCP_22)),
        Montage("ref-ears", "Referential to linked ears (A1A2)", _referential(LINKED_EARS)),
        Montage("ref-cz", "Referential to Cz", _referential("Cz")),
        Montage("average", "Common average reference", every_electrode=AVERAGE),
        Montage("laplacian", "Laplacian (Hjorth, 10-20 neighbours)", _referential(LAPLACIAN)),
        Montage("as-recorded", "As recorded (every electrode)", every_electrode=AS_RECORDED),
    )
}


def builtin_montages() -> list[str]:
    """Return the names of the built-in montages, the ELM montage first."""
    return list(_BUILTIN)


def list_montages(folder: Path | None = None) -> list[str]:
    """Return the names of all montages: the built-ins, then the user's readable montage files.

    Parameters
    ----------
    folder : Path, optional
        Where the user's montage files are (default: ``montages`` in the user data folder).
        Files that cannot be read are left out (see
        :func:`~elm_desktop.signals.montage_files.load_user_montages` for why).
    """
    return [*_BUILTIN, *load_user_montages(folder, reserved=_BUILTIN)[0]]


def get_montage(name: str, folder: Path | None = None) -> Montage:
    """Return a montage by name, built-in or the user's.

    Raises
    ------
    ConfigError
        If no montage has that name; the message lists the available ones.
    """
    if name in _BUILTIN:
        return _BUILTIN[name]
    user = load_user_montages(folder, reserved=_BUILTIN)[0]
    try:
        return user[name]
    except KeyError:
        raise ConfigError(
            f"unknown montage {name!r}; choose one of: {', '.join([*_BUILTIN, *user])}"
        ) from None


def montage_problems(folder: Path | None = None) -> list[str]:
    """Return one line per user montage file that cannot be used (and is left out)."""
    return load_user_montages(folder, reserved=_BUILTIN)[1]


def save_montage(montage: Montage, folder: Path | None = None) -> Path:
    """Save a user montage as a file, listed from then on; return the file.

    Raises
    ------
    ConfigError
        If the name is a built-in's or cannot name a file, or the file cannot be written.
    """
    check_name(montage.name, _BUILTIN)
    return write_montage(montage, folder)
