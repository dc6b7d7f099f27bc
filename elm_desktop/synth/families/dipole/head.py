"""Head geometry of the dipole family: cortical sources, their lead field, references, labels.

The head is a unit sphere and the electrodes sit on it at the 10-20 positions. Each cortical
patch is a current dipole at depth ``SOURCE_RADIUS``, normal to the cortex (radial); its
potential at an electrode is that of a dipole in an unbounded homogeneous conductor,
``p . (r - r0) / |r - r0|^3``. The missing skull is why the sources sit deeper than cortex:
a deeper dipole gives the broad scalp field that skull smearing gives a real one.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from elm_desktop.synth.electrodes import ELECTRODES, REGIONS, positions

#: Radius of the sphere the cortical dipoles lie on (the scalp is 1).
SOURCE_RADIUS = 0.45

#: Points of the Fibonacci lattice over the whole sphere; those above z = -0.3 are patches.
_LATTICE = 110

#: References a recording can be made against, with the label suffix TUH-style files use.
REFERENCE_SUFFIX = {"linked_ears": "LE", "average": "AVG", "cz": "REF"}

#: Channel naming conventions: TUH (``EEG FP1-LE``), plain 10-20 (``Fp1``), 10-10 (``T7``).
NAMINGS: tuple[str, ...] = ("tuh", "1020", "1010")

_TEN_TEN = {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8", "A1": "M1", "A2": "M2"}

SCALP_INDEX = np.array([i for i, name in enumerate(ELECTRODES) if name not in ("A1", "A2")])


def index(name: str) -> int:
    """Position of a 10-20 electrode in :data:`~elm_desktop.synth.electrodes.ELECTRODES`."""
    return ELECTRODES.index(name)


@cache
def source_positions() -> np.ndarray:
    """Return the cortical patch positions, (k, 3): a Fibonacci lattice above z = -0.3."""
    golden = np.pi * (3 - np.sqrt(5))
    k = np.arange(_LATTICE)
    z = 1 - 2 * (k + 0.5) / _LATTICE
    radius = np.sqrt(1 - z * z)
    points = np.stack([radius * np.cos(golden * k), radius * np.sin(golden * k), z], axis=1)
    return SOURCE_RADIUS * points[z >= -0.3]


def dipole_potential(sensors: np.ndarray, where: np.ndarray, moment: np.ndarray) -> np.ndarray:
    """Potential at ``sensors`` (m, 3) of dipoles at ``where`` (k, 3) with ``moment`` (k, 3)."""
    offset = sensors[:, None, :] - where[None, :, :]
    distance = np.linalg.norm(offset, axis=2)
    return np.einsum("mkd,kd->mk", offset, moment) / distance**3


@cache
def lead_field() -> np.ndarray:
    """Return the (21, k) gain from unit radial cortical dipoles to the electrodes.

    Columns are scaled so that each source's largest electrode potential is 1.
    """
    where = source_positions()
    gain = dipole_potential(positions(), where, where / np.linalg.norm(where, axis=1)[:, None])
    return gain / np.abs(gain).max(axis=0, keepdims=True)


def nearest_sources(electrodes: tuple[str, ...] | list[str], count: int) -> np.ndarray:
    """The ``count`` cortical patches closest to the given electrodes (by angle)."""
    targets = positions()[[index(e) for e in electrodes]]
    where = source_positions() / SOURCE_RADIUS
    closeness = (where @ targets.T).max(axis=1)
    return np.argsort(-closeness)[:count]


def region_sources(region: str, count: int = 4) -> np.ndarray:
    """Cortical patches under a named region (``"left temporal"``, ``"right hemisphere"``, ...)."""
    electrodes = REGIONS[region]
    return nearest_sources(
        electrodes, max(count, 2 * len(electrodes) if "hemisphere" in region else count)
    )


def side_of(name: str) -> int:
    """+1 for a left electrode (odd number), -1 for a right one, 0 on the midline."""
    return 0 if not name[-1].isdigit() else (1 if int(name[-1]) % 2 else -1)


def reference_matrix(reference: str) -> np.ndarray:
    """Return the (21, 21) matrix that turns potentials against infinity into recorded signals."""
    n = len(ELECTRODES)
    weights = np.zeros(n)
    if reference == "linked_ears":
        weights[[index("A1"), index("A2")]] = 0.5
    elif reference == "average":
        weights[SCALP_INDEX] = 1 / SCALP_INDEX.size
    elif reference == "cz":
        weights[index("Cz")] = 1.0
    else:
        raise ValueError(f"unknown reference {reference!r}; use one of {tuple(REFERENCE_SUFFIX)}")
    return np.eye(n) - weights[None, :]


def channel_label(electrode: str, naming: str, reference: str) -> str:
    """The EDF label of an electrode: ``EEG FP1-LE`` (tuh), ``Fp1`` (1020), ``T7`` (1010)."""
    if naming == "tuh":
        return f"EEG {electrode.upper()}-{REFERENCE_SUFFIX[reference]}"
    if naming == "1020":
        return electrode
    if naming == "1010":
        return _TEN_TEN.get(electrode, electrode)
    raise ValueError(f"unknown naming {naming!r}; use one of {NAMINGS}")


def extra_labels(naming: str) -> dict[str, str]:
    """Labels of the EKG and photic channels in a naming convention."""
    if naming == "tuh":
        return {"ekg": "EEG EKG-REF", "photic": "PHOTIC PH"}
    return {"ekg": "EKG", "photic": "PHOTIC"}
