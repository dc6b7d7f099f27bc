"""Channel names as real recordings carry them, mapped to the 10-20 system.

Clinical files name the same electrode in many ways: TUH writes ``EEG FP1-REF`` or
``EEG FP1-LE``, other systems ``Fp1``, ``FP1`` or EDF-padded 10-10 names such as ``Fp1.`` and
``T7..``. :func:`normalise_channel_name` maps all of them to one canonical spelling, with the
10-10 names T7/T8/P7/P8 read as their 10-20 equivalents T3/T4/T5/T6 (the ELM montage uses the
latter). :func:`classify_channel` also says what kind of signal a channel holds, so that ECG, EOG,
photic and derived trend channels are recognised and kept out of EEG montages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ChannelKind = Literal[
    "eeg", "ecg", "eog", "emg", "resp", "photic", "stim", "derived", "annotation", "unknown"
]

# 10-10 electrode names in their canonical spelling (upper-case prefix, lower-case "z",
# "Fp" for the frontopolar row), plus ear, mastoid and the common extra electrodes.
_ROWS = ("Fp", "AF", "F", "FT", "FC", "T", "C", "TP", "CP", "P", "PO", "O", "I", "N")
ELECTRODE_NAMES: tuple[str, ...] = tuple(
    f"{row}{suffix}" for row in _ROWS for suffix in ("z", *map(str, range(1, 11)))
) + ("A1", "A2", "M1", "M2", "Pg1", "Pg2", "Sp1", "Sp2")
_CANONICAL = {name.upper(): name for name in ELECTRODE_NAMES}

#: 10-10 names read as their 10-20 equivalents.
ALIASES: dict[str, str] = {"T7": "T3", "T8": "T4", "P7": "T5", "P8": "T6"}

# Non-EEG signals, matched on the cleaned upper-case name. Order matters: first match wins.
_KIND_PATTERNS: tuple[tuple[ChannelKind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("annotation", r"^(EDF|BDF) ANNOTATIONS$"),
        ("ecg", r"^(ECG|EKG)"),
        ("eog", r"^(EOG|LOC|ROC|LUC|RLC|HEOG|VEOG)"),
        ("emg", r"^(EMG|CHIN|LEG)"),
        ("resp", r"^(RESP|THOR|ABD|AIRFLOW|FLOW|NASAL|SPO2|SAO2|OSAT|PLETH|PULSE)"),
        ("photic", r"^(PHOTIC|PHO|PHOT)"),
        ("stim", r"^(STIM|TRIG|TRIGGER|STATUS|EVENT|MARK|DC\d)"),
        ("derived", r"^(IBI|BURSTS|SUPPR|HR|BIS|SEF|TREND)"),
    )
)
_PREFIX = re.compile(r"^(EEG|ECG|EKG|EOG|EMG|POL|SIG)[\s_:]+", re.IGNORECASE)
_REFERENCE_SUFFIX = re.compile(r"-(REF|LE|AR|AVG|AV|CAR|A1A2|M1M2|REF\d*)$", re.IGNORECASE)


@dataclass(frozen=True)
class ChannelInfo:
    """What one channel of a recording holds.

    Attributes
    ----------
    label : str
        The name as the file carries it.
    name : str
        The normalised name: the canonical electrode name for EEG electrodes, else the label
        without type prefix, reference suffix and padding.
    kind : str
        ``"eeg"`` for a known scalp or ear electrode, otherwise the kind of non-EEG signal
        (``"ecg"``, ``"eog"``, ``"emg"``, ``"resp"``, ``"photic"``, ``"stim"``, ``"derived"``,
        ``"annotation"``) or ``"unknown"``.
    """

    label: str
    name: str
    kind: ChannelKind

    @property
    def is_eeg(self) -> bool:
        """Whether the channel is an EEG electrode usable in montages."""
        return self.kind == "eeg"


def _clean(label: str) -> str:
    """Strip padding, the signal-type prefix and a reference suffix."""
    text = label.strip().rstrip(".").strip()
    text = _PREFIX.sub("", text)
    text = _REFERENCE_SUFFIX.sub("", text)
    return text.strip().rstrip(".").strip()


def normalise_channel_name(label: str) -> str:
    """Return the canonical name of a channel label.

    Parameters
    ----------
    label : str
        A channel label as found in a file, e.g. ``"EEG FP1-REF"``, ``"EEG T7-LE"``, ``"fp1"``,
        ``"T7.."``.

    Returns
    -------
    str
        The 10-20 electrode name (``"Fp1"``, ``"T3"``, ``"Cz"``) when the label names a known
        electrode; otherwise the cleaned label in upper case (``"EKG1"``, ``"PHOTIC"``).

    Examples
    --------
    >>> normalise_channel_name("EEG FP1-REF"), normalise_channel_name("T7..")
    ('Fp1', 'T3')
    """
    cleaned = _clean(label)
    canonical = _CANONICAL.get(cleaned.upper())
    if canonical is None:
        return cleaned.upper()
    return ALIASES.get(canonical, canonical)


def classify_channel(label: str) -> ChannelInfo:
    """Return the normalised name and the kind of signal of a channel label.

    Parameters
    ----------
    label : str
        A channel label as found in a file.

    Returns
    -------
    ChannelInfo
        ``kind == "eeg"`` only for known electrodes; non-EEG channels (EKG, EOG, PHOTIC, IBI,
        BURSTS, SUPPR, ...) get their own kind and never enter an EEG montage.
    """
    stripped = label.strip()
    if _KIND_PATTERNS[0][1].match(stripped.upper()):
        return ChannelInfo(label, stripped, "annotation")
    name = normalise_channel_name(label)
    prefix = _PREFIX.match(stripped)
    typed = prefix.group(1).upper() if prefix else "EEG"
    if typed == "EEG" and name in _CANONICAL.values():
        return ChannelInfo(label, name, "eeg")
    if typed != "EEG":  # an explicit type prefix such as "EOG E1" or "ECG II" decides
        name = f"{typed} {name}"
    for kind, pattern in _KIND_PATTERNS[1:]:
        if pattern.match(name):
            return ChannelInfo(label, name, kind)
    return ChannelInfo(label, name, "unknown")
