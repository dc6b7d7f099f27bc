"""Where the columns sit and how their activity reaches the electrodes.

Columns are patches of the upper cortex on a Fibonacci lattice, the right hemisphere's mirrored
to the left so that both sides have the same columns. A column's potential at the scalp is that
of a radial current source at 0.7 of the head radius, expanded in Legendre
polynomials, each degree ``n`` attenuated by ``exp(-tau n (n + 1))``: the skull smears the
field as heat spreads on a sphere. Degree 0 is left out, so every field integrates to zero over
the head, as a potential made by currents inside it does.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.polynomial import legendre

from elm_desktop.synth.conditions import REFERENCE_SUFFIX
from elm_desktop.synth.electrodes import ELECTRODES, EXTRA_LABELS, REGIONS, positions

#: Source eccentricity (fraction of the head radius) and skull smearing of the lead field: a
#: column's field is above half its maximum at about 2.5 electrodes, above a fifth at 4.6.
_ECCENTRICITY = 0.7
_SMEARING = 0.08
_LATTICE = 90
_MIDLINE = 0.1
_DEGREES = 40

REFERENCES: tuple[str, ...] = ("linked_ears", "average", "cz")
NAMINGS: tuple[str, ...] = ("tuh", "1020", "1010")
_TEN_TEN = {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8"}


@cache
def column_positions() -> np.ndarray:
    """Unit vectors of the columns, (n, 3): left hemisphere, midline, right hemisphere."""
    golden = np.pi * (3.0 - np.sqrt(5.0))
    k = np.arange(_LATTICE) + 0.5
    z = 1.0 - 2.0 * k / _LATTICE
    radius = np.sqrt(1.0 - z**2)
    lattice = np.stack([radius * np.cos(golden * k), radius * np.sin(golden * k), z], axis=1)
    lattice = lattice[lattice[:, 2] > -0.3]
    right = lattice[lattice[:, 0] > _MIDLINE]
    midline = lattice[np.abs(lattice[:, 0]) <= _MIDLINE] * [0.0, 1.0, 1.0]
    midline /= np.linalg.norm(midline, axis=1, keepdims=True)
    return np.concatenate([right * [-1.0, 1.0, 1.0], midline, right])


def n_columns() -> int:
    """Number of cortical columns."""
    return len(column_positions())


@cache
def lead_field() -> np.ndarray:
    """Electrode potentials of a unit column source, (21, n_columns), 1.0 at each maximum."""
    n = np.arange(_DEGREES + 1)
    weights = (2 * n + 1) * _ECCENTRICITY**n * np.exp(-_SMEARING * n * (n + 1))
    weights[0] = 0.0
    cosines = np.clip(positions() @ column_positions().T, -1.0, 1.0)
    field = legendre.legval(cosines, weights)
    return field / field.max(axis=0, keepdims=True)


@cache
def column_distances() -> np.ndarray:
    """Great-circle distances between columns (radians), (n_columns, n_columns)."""
    xyz = column_positions()
    return np.arccos(np.clip(xyz @ xyz.T, -1.0, 1.0))


def columns_under(electrodes: tuple[str, ...] | list[str], reach: float = 0.3) -> np.ndarray:
    """Indices of the columns within ``reach`` radians of any of ``electrodes`` (at least one)."""
    where = positions()[[ELECTRODES.index(e) for e in electrodes]]
    distance = np.arccos(np.clip(where @ column_positions().T, -1.0, 1.0)).min(axis=0)
    close = np.flatnonzero(distance < reach)
    return close if close.size else np.array([int(np.argmin(distance))])


def region_columns(region: str) -> np.ndarray:
    """The columns of a named scalp region (:data:`~elm_desktop.synth.electrodes.REGIONS`);
    a left or right region keeps only the columns of its own hemisphere."""
    columns = columns_under(REGIONS[region])
    side = region.split()[0]
    if side not in ("left", "right"):
        return columns
    own = np.intersect1d(columns, hemisphere_columns(side))
    return own if own.size else columns


def lesion_columns(region: str) -> np.ndarray:
    """The columns a lesion under ``region`` silences: its own and their near neighbours on
    the same side (0.45 rad of its electrodes)."""
    columns = columns_under(REGIONS[region], 0.45)
    side = region.split()[0]
    own = (
        np.intersect1d(columns, hemisphere_columns(side)) if side in ("left", "right") else columns
    )
    return own if own.size else columns


def focus_columns(region: str) -> np.ndarray:
    """The columns where a discharge of ``region`` starts: a hemisphere's discharges start
    in its centrotemporal columns, any other region's in all of its columns."""
    if region.endswith("hemisphere"):
        return region_columns(region.replace("hemisphere", "centrotemporal"))
    return region_columns(region)


def hemisphere_columns(side: str) -> np.ndarray:
    """The columns of the ``"left"`` or ``"right"`` hemisphere."""
    x = column_positions()[:, 0]
    return np.flatnonzero(x < -_MIDLINE) if side == "left" else np.flatnonzero(x > _MIDLINE)


def side_of(electrodes: tuple[str, ...] | list[str]) -> str:
    """``"left"`` or ``"right"``: the side most of ``electrodes`` lie on."""
    x = positions()[[ELECTRODES.index(e) for e in electrodes], 0]
    return "left" if x.mean() < 0 else "right"


def channel_label(electrode: str, naming: str, reference: str) -> str:
    """EDF label of an electrode: TUH (``EEG FP1-LE``), 10-20 (``Fp1``) or 10-10 (``T7``)."""
    if naming == "tuh":
        return f"EEG {electrode.upper()}-{REFERENCE_SUFFIX[reference]}"
    if naming == "1010":
        return _TEN_TEN.get(electrode, electrode)
    return electrode


def extra_label(kind: str, naming: str) -> str:
    """EDF label of the ``"ekg"`` or ``"photic"`` channel in a naming style."""
    return EXTRA_LABELS["tuh" if naming == "tuh" else "1020"][kind]
