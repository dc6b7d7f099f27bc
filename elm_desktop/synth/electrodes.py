"""Electrodes of the 10-20 system: names, scalp positions, channel labels and spatial fields.

Positions are unit vectors taken from MNE's ``standard_1020`` template (rounded to three
decimals and fixed here so that the generator's output never depends on the MNE version).
"""

from __future__ import annotations

from functools import cache

import numpy as np

#: The 21 recorded electrodes in the order TUH files list them (19 scalp electrodes + ears).
ELECTRODES: tuple[str, ...] = (
    "Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2",
    "F7", "F8", "T3", "T4", "T5", "T6", "A1", "A2", "Fz", "Cz", "Pz",
)  # fmt: skip

_POSITIONS: dict[str, tuple[float, float, float]] = {
    "Fp1": (-0.330, 0.941, -0.078), "Fp2": (0.331, 0.940, -0.078),
    "F3": (-0.595, 0.629, 0.500), "F4": (0.607, 0.636, 0.478),
    "C3": (-0.707, -0.126, 0.696), "C4": (0.721, -0.117, 0.683),
    "P3": (-0.481, -0.715, 0.508), "P4": (0.499, -0.704, 0.507),
    "O1": (-0.252, -0.965, 0.076), "O2": (0.256, -0.964, 0.076),
    "F7": (-0.848, 0.512, -0.138), "F8": (0.846, 0.515, -0.139),
    "T3": (-0.977, -0.186, -0.108), "T4": (0.979, -0.173, -0.109),
    "T5": (-0.702, -0.712, -0.024), "T6": (0.707, -0.707, -0.025),
    "A1": (-0.765, -0.222, -0.604), "A2": (0.764, -0.223, -0.606),
    "Fz": (0.004, 0.661, 0.751), "Cz": (0.004, -0.091, 0.996), "Pz": (0.003, -0.701, 0.714),
}  # fmt: skip

#: Names of the optional non-EEG channels, by naming style.
EXTRA_LABELS: dict[str, dict[str, str]] = {
    "tuh": {"ekg": "EEG EKG1-REF", "photic": "PHOTIC-REF"},
    "1020": {"ekg": "ECG", "photic": "Photic"},
}

NAMING_STYLES: tuple[str, ...] = ("tuh", "1020")

#: Electrodes of each named scalp region, used for finding locations and report wording.
REGIONS: dict[str, tuple[str, ...]] = {
    "left frontal": ("Fp1", "F3", "F7"),
    "right frontal": ("Fp2", "F4", "F8"),
    "left temporal": ("F7", "T3", "T5"),
    "right temporal": ("F8", "T4", "T6"),
    "left central": ("C3",),
    "right central": ("C4",),
    "left parietal": ("P3",),
    "right parietal": ("P4",),
    "left occipital": ("O1",),
    "right occipital": ("O2",),
    "left frontotemporal": ("F7", "T3"),
    "right frontotemporal": ("F8", "T4"),
    "left centrotemporal": ("C3", "T3"),
    "right centrotemporal": ("C4", "T4"),
    "left temporo-occipital": ("T5", "O1"),
    "right temporo-occipital": ("T6", "O2"),
    "left hemisphere": ("Fp1", "F3", "C3", "P3", "O1", "F7", "T3", "T5"),
    "right hemisphere": ("Fp2", "F4", "C4", "P4", "O2", "F8", "T4", "T6"),
}

SCALP: tuple[str, ...] = tuple(name for name in ELECTRODES if name not in ("A1", "A2"))


def channel_label(electrode: str, naming: str) -> str:
    """Return the EDF signal label of an electrode in a naming style (``"tuh"`` or ``"1020"``)."""
    if naming == "tuh":
        return f"EEG {electrode.upper()}-REF"
    if naming == "1020":
        return electrode
    raise ValueError(f"unknown naming style {naming!r}; use one of {NAMING_STYLES}")


@cache
def positions() -> np.ndarray:
    """Return the unit-sphere positions of :data:`ELECTRODES`, shape (21, 3)."""
    xyz = np.array([_POSITIONS[name] for name in ELECTRODES])
    return xyz / np.linalg.norm(xyz, axis=1, keepdims=True)


@cache
def angular_distances() -> np.ndarray:
    """Return great-circle distances (radians) between every pair of electrodes, (21, 21)."""
    xyz = positions()
    return np.arccos(np.clip(xyz @ xyz.T, -1.0, 1.0))


@cache
def volume_conduction() -> np.ndarray:
    """Return the mixing matrix that spreads independent sources to neighbouring electrodes.

    A Gaussian kernel of scalp distance (width 0.45 rad, about two thirds of the 0.7 rad between neighbours),
    rows normalised to unit energy, so that each electrode keeps its own variance while
    neighbours become correlated as through volume conduction.
    """
    kernel = np.exp(-(angular_distances() ** 2) / (2 * 0.45**2))
    return kernel / np.linalg.norm(kernel, axis=1, keepdims=True)


def field(centers: tuple[str, ...] | list[str], width: float = 0.45) -> np.ndarray:
    """Return the spatial field (21,) of a source under ``centers``, 1.0 at its maximum.

    The field falls off as a Gaussian of scalp distance from the nearest center electrode, so
    a focal discharge at F7 is largest at F7 and smaller at Fp1 and T3: the bipolar chains
    through F7 then show a phase reversal.
    """
    index = [ELECTRODES.index(name) for name in centers]
    distance = angular_distances()[index].min(axis=0)
    weights = np.exp(-(distance**2) / (2 * width**2))
    return weights / weights.max()


def weights(values: dict[str, float], default: float = 0.0) -> np.ndarray:
    """Return a (21,) vector from a mapping of electrode names to weights."""
    return np.array([values.get(name, default) for name in ELECTRODES])
