"""Open a 12-lead ECG file of any supported format: :func:`read_ecg`.

The format is chosen by the file's suffix (``.hea``/``.dat`` WFDB, ``.edf``/``.bdf``, ``.xml``)
and, for any other suffix, by its first bytes.
"""

from __future__ import annotations

from pathlib import Path

from elm_desktop.errors import NotAnEcgFileError
from elm_desktop.signals.ecg.edf_reader import read_edf_ecg
from elm_desktop.signals.ecg.recording import EcgRecording
from elm_desktop.signals.ecg.wfdb_reader import read_wfdb
from elm_desktop.signals.ecg.xml_reader import read_xml_ecg
from elm_desktop.signals.edf_header import _checked_size

#: The formats :func:`read_ecg` reads, as named in messages and documentation.
ECG_FORMATS = ("WFDB", "EDF/EDF+/BDF", "HL7 aECG", "GE MUSE XML")

_READERS = {"wfdb": read_wfdb, "edf": read_edf_ecg, "xml": read_xml_ecg}


def ecg_format(path: str | Path) -> str:
    """Return which reader a file needs: ``"wfdb"``, ``"edf"`` or ``"xml"``.

    Raises
    ------
    UnreadableFileError
        The path is missing, a folder or not a regular file.
    NotAnEcgFileError
        Neither its suffix nor its first bytes match a supported format.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".hea", ".dat") or (not suffix and path.with_suffix(".hea").is_file()):
        return "wfdb"
    _checked_size(path)
    if suffix in (".edf", ".bdf", ".rec"):
        return "edf"
    if suffix == ".xml":
        return "xml"
    with path.open("rb") as file:
        head = file.read(8)
    if head.startswith((b"0       ", b"\xffBIOSEMI")):
        return "edf"
    if head.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n").startswith(b"<"):
        return "xml"
    raise NotAnEcgFileError(
        f"{path.name} is not an ECG file this program reads ({', '.join(ECG_FORMATS)})"
    )


def read_ecg(
    path: str | Path, include_phi: bool = False, sfreq: float | None = None
) -> EcgRecording:
    """Read a 12-lead ECG: leads named and in the standard order, in millivolts.

    Parameters
    ----------
    path : str or Path
        A WFDB record (its ``.hea``, ``.dat`` or name without suffix), an EDF/EDF+/BDF file,
        or an HL7 aECG or GE MUSE XML export.
    include_phi : bool
        Keep the patient-identifying fields the file holds (:class:`EcgPatient`); without it
        :attr:`EcgRecording.patient` is None.
    sfreq : float, optional
        The sampling rate the caller needs (e.g. 500 Hz for a model); another is refused.

    Returns
    -------
    EcgRecording

    Raises
    ------
    RecordingError
        A subclass whose one-line message says what is wrong: unreadable path, unknown or
        damaged format (:class:`~elm_desktop.errors.NotAnEcgFileError`), truncated file,
        too few leads or one twice (:class:`~elm_desktop.errors.EcgLeadCountError`), a lead
        missing (:class:`~elm_desktop.errors.MissingLeadError`), an unusable rate
        (:class:`~elm_desktop.errors.SamplingRateError`).
    """
    path = Path(path)
    return _READERS[ecg_format(path)](path, include_phi=include_phi, sfreq=sfreq)
