"""What kind of recording a file holds (EEG or 12-lead ECG), and the reader for each kind.

:data:`MODALITIES` is the registry the layers above choose by: one entry per modality, so a new
modality is a new entry. It names how a file of that modality is opened, what the model input
of that modality is, which knowledge base its model scores, which bundle ships for it and
which archive keeps its prior cases.
:func:`detect_modality` decides from the file itself: WFDB and hospital XML exports are ECG, and
an EDF file is ECG when it holds the eight independent ECG leads and no EEG electrode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from elm_desktop.errors import ConfigError, NotAnEcgFileError
from elm_desktop.signals.channels import classify_channel
from elm_desktop.signals.ecg.leads import INDEPENDENT_LEADS, STANDARD_LEADS, normalise_lead_name
from elm_desktop.signals.ecg.model_input import ecg_model_input
from elm_desktop.signals.ecg.reader import ECG_FORMATS, ecg_format, read_ecg
from elm_desktop.signals.edf_header import read_header
from elm_desktop.signals.montages import ELM_CHANNELS
from elm_desktop.signals.preprocess import ELM_SFREQ, crop_windows, elm_input
from elm_desktop.signals.recording import open_recording

ModalityName = Literal["eeg", "ecg"]


@dataclass(frozen=True)
class Modality:
    """One kind of recording the program opens.

    Attributes
    ----------
    name : str
        ``"eeg"`` or ``"ecg"``.
    summary : str
        What it is and which files hold it, for messages.
    open : callable
        Path -> the opened recording (:class:`~elm_desktop.signals.Recording` or
        :class:`~elm_desktop.signals.ecg.EcgRecording`).
    model_channels : tuple of str
        The channels of the model input, in order.
    model_sfreq : float
        The sampling rate of the model input in Hz.
    knowledge_file : str
        The findings the modality's model scores: a file of the package's ``resources/`` (and
        the user's file of the same name in the data directory, merged over it).
    default_bundle : str
        The folder under ``resources/models/`` of the modality's shipped model bundle.
    archive_file : str
        The file name of the modality's default case archive in the user data directory. An
        archive holds one model's embeddings, so each modality keeps its own: an ECG never
        retrieves an EEG case.
    model_windows : callable
        ``(recording, window_s, normalisation) -> (windows [n, channels, samples], starts_s [n])``:
        the model input of an opened recording, as analysis and the archive feed the encoder
        (``normalisation`` is the bundle's, where the modality has a choice).
    """

    name: ModalityName
    summary: str
    open: Callable[[Path], object]
    model_channels: tuple[str, ...]
    model_sfreq: float
    knowledge_file: str
    default_bundle: str
    archive_file: str
    model_windows: Callable[[object, float, str], tuple[np.ndarray, np.ndarray]]


def eeg_windows(
    recording, window_s: float, normalisation: str = ""
) -> tuple[np.ndarray, np.ndarray]:
    """ELM crops of an EEG recording and their starts in s (``normalisation`` is unused)."""
    return crop_windows(elm_input(recording), window_s=window_s)


def ecg_windows(
    recording, window_s: float, normalisation: str = "mv"
) -> tuple[np.ndarray, np.ndarray]:
    """The 10 s model windows of a 12-lead ECG and their starts in s."""
    windows = ecg_model_input(recording.samples_mv, recording.sfreq, normalisation)
    return windows, np.arange(len(windows), dtype=np.float64) * float(window_s)


MODALITIES: dict[str, Modality] = {
    "eeg": Modality(
        "eeg",
        "clinical EEG (EDF, EDF+, BDF)",
        open_recording,
        tuple(ELM_CHANNELS),
        float(ELM_SFREQ),
        "phenotypes.toml",
        "elm-demo",
        "archive.sqlite",
        eeg_windows,
    ),
    "ecg": Modality(
        "ecg",
        "12-lead ECG (WFDB, EDF, HL7 aECG, GE MUSE XML)",
        read_ecg,
        STANDARD_LEADS,
        500.0,  # MERL's input: 12 leads x 10 s at 500 Hz
        "ecg_phenotypes.toml",
        "ecg-demo",
        "ecg_archive.sqlite",
        ecg_windows,
    ),
}


def get_modality(name: str) -> Modality:
    """Return the registry entry of a modality.

    Raises
    ------
    ConfigError
        For an unknown name; the message lists the known ones.
    """
    if name not in MODALITIES:
        raise ConfigError(f"unknown modality {name!r}; known: {', '.join(MODALITIES)}")
    return MODALITIES[name]


#: ECG leads an EDF/BDF file without EEG electrodes must name to be read as an ECG, complete
#: or not; fewer could be the C3 and C4 of a two-channel EEG (IEC's chest leads share names).
MIN_NAMED_LEADS = 3


def detect_modality(path: str | Path) -> ModalityName:
    """Say whether a file holds EEG or a 12-lead ECG, from its format and channel names.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str
        ``"ecg"`` for WFDB records and HL7 aECG / GE MUSE XML files, and for EDF/BDF files
        with no EEG electrode and the eight independent ECG leads (I, II, V1-V6), or at least
        :data:`MIN_NAMED_LEADS` of the 12 (an incomplete ECG, which its reader then refuses,
        naming what it lacks); ``"eeg"`` for every other EDF/BDF file. A label that names an ECG lead is not taken for an EEG
        electrode (IEC's chest leads C1-C6 share names with EEG's C3 and C4) unless another
        label names that lead too (V3 beside C3: C3 is then an EEG electrode).

    Raises
    ------
    RecordingError
        The file is unreadable or of no supported format.
    """
    path = Path(path)
    try:
        kind = ecg_format(path)
    except NotAnEcgFileError as error:  # say so for both modalities, not for ECG alone
        raise NotAnEcgFileError(
            f"{path.name} is neither an EEG file (EDF/EDF+/BDF) nor an ECG file "
            f"({', '.join(ECG_FORMATS)}) this program reads"
        ) from error
    if kind != "edf":
        return "ecg"
    labels = [s.label for s in read_header(path).signals if not s.is_annotation]
    names = [normalise_lead_name(label) for label in labels]
    # C3 names IEC's chest lead V3 only where no other label is V3 already.
    has_eeg = any(
        classify_channel(label).is_eeg
        for label, name in zip(labels, names, strict=True)
        if name is None or names.count(name) > 1
    )
    leads = set(names)
    if not has_eeg and len(leads & set(STANDARD_LEADS)) >= MIN_NAMED_LEADS:
        # An ECG, if an incomplete one: its reader says which leads it lacks (as an EEG it
        # would be told it lacks Fp1, F7, ...; a new-user trial).
        return "ecg"
    return "ecg" if set(INDEPENDENT_LEADS) <= leads and not has_eeg else "eeg"


def open_any(path: str | Path) -> tuple[ModalityName, object]:
    """Open a recording with its modality's reader.

    Returns
    -------
    (str, recording)
        The modality and the opened recording.
    """
    modality = detect_modality(path)
    return modality, MODALITIES[modality].open(Path(path))
