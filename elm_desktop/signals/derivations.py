"""Montages as data: traces named by an electrode and a reference, turned into matrices.

A montage turns the referential signals of the recorded electrodes into the traces a reviewer
reads. It is a list of :class:`Trace` entries, each an electrode minus a reference (another
electrode, the linked ears, the common average, the Hjorth neighbours, or nothing: as recorded)
with how it is drawn (colour, gain, inverted, hidden). Applied to the electrodes a recording
holds, the traces become :class:`Derivation` rows (weighted sums of electrodes) and one matrix
``[n_derivations, n_electrodes]``. A derivation that needs an absent electrode cannot be built:
its row is flagged, the others still are.

Built-in and user montages share this one mechanism; :mod:`elm_desktop.signals.montages` holds
the registry, :mod:`elm_desktop.signals.montage_files` reads and writes montage files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from elm_desktop.errors import ConfigError

#: Reference of a trace drawn as recorded (against the amplifier's own reference).
AS_RECORDED = ""
#: Reference to the mean of the two ear electrodes.
LINKED_EARS = "A1A2"
#: Reference to the mean of the scalp electrodes present (common average).
AVERAGE = "Avg"
#: Reference to the mean of the electrode's Hjorth neighbours (a surface Laplacian).
LAPLACIAN = "Lap"
#: The references that are not a single electrode, as the editor offers them.
COMPUTED_REFERENCES: tuple[str, ...] = (AS_RECORDED, LINKED_EARS, AVERAGE, LAPLACIAN)

#: Ear and mastoid electrodes: shown as recorded but left out of the common average.
REFERENCE_ELECTRODES = frozenset({"A1", "A2", "M1", "M2"})

#: Hjorth's nearest neighbours in the 10-20 system: the 10-20 electrodes within 80 mm on MNE's
#: ``colin27_1020`` head (3 at the rim of the grid, 4 inside it; tested against the positions).
HJORTH_NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "Fp1": ("F7", "Fp2", "F3"),
    "Fp2": ("Fp1", "F8", "F4"),
    "F7": ("F3", "Fp1", "T3"),
    "F3": ("Fz", "F7", "Fp1", "C3"),
    "Fz": ("F3", "F4", "Cz"),
    "F4": ("Fz", "F8", "Fp2", "C4"),
    "F8": ("F4", "Fp2", "T4"),
    "T3": ("T5", "F7", "C3"),
    "C3": ("P3", "F3", "Cz", "T3"),
    "Cz": ("Pz", "C3", "Fz", "C4"),
    "C4": ("P4", "F4", "T4", "Cz"),
    "T4": ("T6", "F8", "C4"),
    "T5": ("T3", "O1", "P3"),
    "P3": ("Pz", "T5", "O1", "C3"),
    "Pz": ("P3", "P4", "Cz"),
    "P4": ("Pz", "T6", "O2", "C4"),
    "T6": ("O2", "T4", "P4"),
    "O1": ("T5", "O2", "P3"),
    "O2": ("O1", "T6", "P4"),
}

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Derivation:
    """One trace: a weighted sum of electrodes (e.g. ``Fp1-F7`` = Fp1 - F7) and how it is drawn.

    Attributes
    ----------
    label : str
    weights : mapping of str to float
        Electrode name -> weight.
    colour : str or None
        ``"#rrggbb"``, or None for the palette's colour.
    gain : float
        Drawn ``gain`` times larger than the page's sensitivity says (the data stay microvolts).
    inverted : bool
        Drawn positive-up instead of negative-up.
    hidden : bool
        Computed but not drawn.
    """

    label: str
    weights: Mapping[str, float]
    colour: str | None = None
    gain: float = 1.0
    inverted: bool = False
    hidden: bool = False


def bipolar(label: str) -> Derivation:
    """Return the derivation ``anode - cathode`` named by a label such as ``"Fp1-F7"``."""
    anode, cathode = label.split("-")
    return Derivation(label, {anode: 1.0, cathode: -1.0})


@dataclass(frozen=True)
class Trace:
    """One entry of a montage: ``electrode`` minus ``reference``, and how it is drawn.

    Parameters
    ----------
    electrode : str
        Canonical electrode name (``"Fp1"``, ``"T3"``).
    reference : str
        Another electrode, or :data:`LINKED_EARS`, :data:`AVERAGE`, :data:`LAPLACIAN`, or
        :data:`AS_RECORDED` (empty).
    colour, gain, inverted, hidden
        As in :class:`Derivation`.

    Raises
    ------
    ConfigError
        A gain that is not a positive number, a colour that is not ``#rrggbb``, or a Laplacian
        for an electrode outside the 10-20 system.
    """

    electrode: str
    reference: str = AS_RECORDED
    colour: str | None = None
    gain: float = 1.0
    inverted: bool = False
    hidden: bool = False

    def __post_init__(self) -> None:
        if not self.electrode or self.electrode == self.reference:
            raise ConfigError(f"trace {self.label!r} needs an electrode other than its reference")
        if not (isinstance(self.gain, int | float) and math.isfinite(self.gain) and self.gain > 0):
            raise ConfigError(f"trace {self.label!r}: gain must be a positive number")
        if self.colour is not None and not _COLOUR.match(self.colour):
            raise ConfigError(f"trace {self.label!r}: colour must be #rrggbb, not {self.colour!r}")
        if self.reference == LAPLACIAN and self.electrode not in HJORTH_NEIGHBOURS:
            raise ConfigError(
                f"trace {self.label!r}: the Laplacian is defined for the 19 electrodes of the "
                "10-20 system only"
            )

    @property
    def label(self) -> str:
        """``"Fp1-F7"``, ``"Fp1-A1A2"``, ``"Fp1-Avg"``, ``"C3-Lap"``, or ``"Fp1"`` as recorded."""
        return f"{self.electrode}-{self.reference}" if self.reference else self.electrode

    def weights(self, electrodes: Sequence[str]) -> dict[str, float]:
        """Return the electrode weights of this trace given the electrodes present."""
        weights = {self.electrode: 1.0}
        if self.reference == AVERAGE:
            scalp = [e for e in electrodes if e not in REFERENCE_ELECTRODES]
            for other in scalp:
                weights[other] = weights.get(other, 0.0) - 1.0 / len(scalp)
        elif self.reference == LINKED_EARS:
            weights.update({"A1": -0.5, "A2": -0.5})
        elif self.reference == LAPLACIAN:
            neighbours = HJORTH_NEIGHBOURS[self.electrode]
            weights.update({n: -1.0 / len(neighbours) for n in neighbours})
        elif self.reference:
            weights[self.reference] = -1.0
        return weights

    def derivation(self, electrodes: Sequence[str]) -> Derivation:
        """Return this trace as a derivation over the electrodes present."""
        return Derivation(
            self.label,
            self.weights(electrodes),
            self.colour,
            float(self.gain),
            self.inverted,
            self.hidden,
        )


def bipolar_traces(labels: Sequence[str]) -> tuple[Trace, ...]:
    """Return the traces of bipolar labels such as ``("Fp1-F7", "F7-T3")``."""
    return tuple(Trace(*label.split("-")) for label in labels)


@dataclass(frozen=True)
class Montage:
    """A named way of deriving traces from electrodes.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"tcp-elm"``.
    description : str
        One line for menus and ``--help``.
    traces : tuple of Trace
        The traces in display order.
    every_electrode : str or None
        Instead of fixed traces, one trace per electrode present against this reference
        (:data:`AS_RECORDED` takes every electrode, the other references the scalp electrodes).
    """

    name: str
    description: str
    traces: tuple[Trace, ...] = ()
    every_electrode: str | None = None

    def traces_for(self, electrodes: Sequence[str]) -> tuple[Trace, ...]:
        """Return the traces of this montage for the electrodes present, in display order."""
        if self.every_electrode is None:
            return self.traces
        if self.every_electrode == AS_RECORDED:
            return tuple(Trace(e) for e in electrodes)
        return tuple(
            Trace(e, self.every_electrode) for e in electrodes if e not in REFERENCE_ELECTRODES
        )

    def derivations(self, electrodes: Sequence[str]) -> tuple[Derivation, ...]:
        """Return the derivations of this montage for a set of electrodes, in display order."""
        return _derivations(self, tuple(electrodes))

    def labels(self, electrodes: Sequence[str]) -> list[str]:
        """Return the trace labels for a set of electrodes."""
        return [d.label for d in self.derivations(electrodes)]

    def missing(self, electrodes: Sequence[str]) -> list[str]:
        """Return the electrodes this montage needs that are absent, in montage order."""
        present = set(electrodes)
        absent: dict[str, None] = {}
        for derivation in self.derivations(electrodes):
            absent.update((e, None) for e in derivation.weights if e not in present)
        return list(absent)

    def matrix(self, electrodes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return the derivation matrix over ``electrodes`` and which rows can be built.

        Parameters
        ----------
        electrodes : sequence of str
            Canonical electrode names, in the order of the data rows the matrix will multiply.

        Returns
        -------
        matrix : ndarray, shape (n_derivations, n_electrodes)
            ``matrix @ data`` gives the traces. Rows of derivations that need an absent
            electrode are zero.
        available : ndarray of bool, shape (n_derivations,)
            False for those rows.
        """
        matrix, available = _matrix(self, tuple(electrodes))
        return matrix.copy(), available.copy()

    def apply(self, data: np.ndarray, electrodes: Sequence[str]) -> np.ndarray:
        """Derive the traces from referential data; rows that cannot be built are NaN.

        Parameters
        ----------
        data : ndarray, shape (n_electrodes, n_times)
            Referential signals, rows in the order of ``electrodes``.
        electrodes : sequence of str
            The canonical names of the rows of ``data``.

        Returns
        -------
        ndarray, shape (n_derivations, n_times)
        """
        matrix, available = _matrix(self, tuple(electrodes))
        traces = matrix @ data
        traces[~available] = np.nan
        return traces


# Paging asks for the same montage over the same electrodes on every block: derive it once.
@lru_cache(maxsize=64)
def _derivations(montage: Montage, electrodes: tuple[str, ...]) -> tuple[Derivation, ...]:
    return tuple(trace.derivation(electrodes) for trace in montage.traces_for(electrodes))


@lru_cache(maxsize=64)
def _matrix(montage: Montage, electrodes: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    column = {name: i for i, name in enumerate(electrodes)}
    derivations = _derivations(montage, electrodes)
    matrix = np.zeros((len(derivations), len(electrodes)))
    available = np.ones(len(derivations), dtype=bool)
    for row, derivation in enumerate(derivations):
        if not all(e in column for e in derivation.weights):
            available[row] = False
            continue
        for electrode, weight in derivation.weights.items():
            matrix[row, column[electrode]] += weight
    return matrix, available
