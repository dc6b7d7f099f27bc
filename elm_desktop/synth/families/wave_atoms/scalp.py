"""Where an atom shows on the scalp and how the amplifier writes it.

An atom's footprint is a von Mises-Fisher spot on the unit sphere: at an electrode at unit
vector ``x`` it is ``exp(kappa (mu . x - 1))`` for a source direction ``mu``, 1.0 where the
spot is centred and falling with the angle from it at a rate the concentration ``kappa``
sets (half height at ``arccos(1 - ln 2 / kappa)``: 0.38 rad for kappa 5, 0.77 rad for 1.2).
Potentials are against infinity; the reference is taken by subtracting the referenced
electrodes' mean, as the amplifier's differential inputs do.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from elm_desktop.synth.conditions import REFERENCE_SUFFIX
from elm_desktop.synth.electrodes import ELECTRODES, EXTRA_LABELS, REGIONS, SCALP, positions

REFERENCES: tuple[str, ...] = ("linked_ears", "average", "cz")
NAMINGS: tuple[str, ...] = ("tuh", "1020", "1010")
_MODERN = {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8"}


@cache
def _xyz() -> np.ndarray:
    return positions()


def direction(electrodes: tuple[str, ...] | list[str]) -> np.ndarray:
    """Unit vector of the mean position of ``electrodes``."""
    where = _xyz()[[ELECTRODES.index(e) for e in electrodes]].sum(axis=0)
    return where / np.linalg.norm(where)


def region_centre(region: str) -> np.ndarray:
    """Source direction of a named region (:data:`~elm_desktop.synth.electrodes.REGIONS`);
    a hemisphere's sits under its central and temporal electrodes."""
    if region.endswith("hemisphere"):
        side = region.split()[0]
        return direction(["C3", "T3"] if side == "left" else ["C4", "T4"])
    return direction(REGIONS[region])


def jitter(rng: np.random.Generator, centre: np.ndarray, angle: float) -> np.ndarray:
    """``centre`` moved by a random tangent step of about ``angle`` radians."""
    step = rng.normal(0.0, angle, 3)
    step -= centre * (step @ centre)
    moved = centre + step
    return moved / np.linalg.norm(moved)


def spot(centre: np.ndarray, kappa: float) -> np.ndarray:
    """The von Mises-Fisher footprint (21,) of a source at ``centre``, 1.0 at its peak."""
    return np.exp(kappa * (_xyz() @ centre - 1.0))


#: The electrode where a region's focal spikes are largest (their source sits under it).
MAXIMUM: dict[str, str] = {
    "left frontal": "F3",
    "right frontal": "F4",
    "left temporal": "T3",
    "right temporal": "T4",
    "left central": "C3",
    "right central": "C4",
    "left parietal": "P3",
    "right parietal": "P4",
    "left occipital": "O1",
    "right occipital": "O2",
    "left frontotemporal": "F7",
    "right frontotemporal": "F8",
    "left centrotemporal": "C3",
    "right centrotemporal": "C4",
    "left temporo-occipital": "T5",
    "right temporo-occipital": "T6",
}
#: Electrodes that end the longitudinal bipolar chains: a maximum there shows no reversal.
CHAIN_ENDS: tuple[str, ...] = ("Fp1", "Fp2", "O1", "O2")
#: Concentration of the fall of a focal attenuation from its region to the neighbours.
ATTENUATION_KAPPA = 5.0


def attenuation_gain(region: str, factor: float) -> np.ndarray:
    """Gain (21,) of the background sources in a focal attenuation: ``factor`` at the
    region's electrodes, rising towards 1 at their neighbours (kappa 10 from the nearest
    region electrode: about a third of the loss at the next electrodes)."""
    xyz = _xyz()
    inside = xyz[[ELECTRODES.index(e) for e in REGIONS[region]]]
    near = np.exp(ATTENUATION_KAPPA * (xyz @ inside.T - 1.0)).max(axis=1)
    return 1.0 - (1.0 - factor) * near


def mirror(centre: np.ndarray) -> np.ndarray:
    """The homologous point of the other hemisphere."""
    return centre * np.array([-1.0, 1.0, 1.0])


def rereference(potentials: np.ndarray, reference: str) -> np.ndarray:
    """Referenced signals (21, n) from potentials against infinity."""
    if reference == "linked_ears":
        sites = ["A1", "A2"]
    elif reference == "average":
        sites = list(SCALP)
    else:
        sites = ["Cz"]
    rows = [ELECTRODES.index(e) for e in sites]
    return potentials - potentials[rows].mean(axis=0, keepdims=True)


def channel_label(electrode: str, naming: str, reference: str) -> str:
    """EDF label: TUH (``EEG FP1-LE``, ``-AVG``, ``-REF``), 10-20 (``Fp1``) or 10-10 (``T7``)."""
    if naming == "tuh":
        return f"EEG {electrode.upper()}-{REFERENCE_SUFFIX[reference]}"
    return _MODERN.get(electrode, electrode) if naming == "1010" else electrode


def extra_label(kind: str, naming: str) -> str:
    """EDF label of the ``"ekg"`` or ``"photic"`` channel."""
    return EXTRA_LABELS["tuh" if naming == "tuh" else "1020"][kind]
