"""Montages as derivation matrices, one mechanism for all of them.

A montage turns the referential signals of the recorded electrodes into the traces a reviewer
reads. Every montage here is a list of derivations, each a weighted sum of electrodes; applied to
the electrodes a recording holds, it becomes a matrix ``[n_derivations, n_electrodes]``. A
derivation that needs an absent electrode cannot be built: its row is flagged, the others still
are. Fixed montages (the bipolar ones) list their derivations; the common average and the
as-recorded montage derive theirs from the electrodes present.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from elm_desktop.errors import ConfigError

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

#: Transverse ("coronal") bipolar chains, front to back, right to left as reviewers read them.
TRANSVERSE: tuple[str, ...] = (
    "F7-Fp1", "Fp1-Fp2", "Fp2-F8",
    "F7-F3", "F3-Fz", "Fz-F4", "F4-F8",
    "A1-T3", "T3-C3", "C3-Cz", "Cz-C4", "C4-T4", "T4-A2",
    "T5-P3", "P3-Pz", "Pz-P4", "P4-T6",
    "T5-O1", "O1-O2", "O2-T6",
)  # fmt: skip

# Reference electrodes: shown as recorded but left out of the common average.
_REFERENCE_ELECTRODES = frozenset({"A1", "A2", "M1", "M2"})


@dataclass(frozen=True)
class Derivation:
    """One trace: a weighted sum of electrodes, e.g. ``Fp1-F7`` = Fp1 - F7."""

    label: str
    weights: Mapping[str, float]


def bipolar(label: str) -> Derivation:
    """Return the derivation ``anode - cathode`` named by a label such as ``"Fp1-F7"``."""
    anode, cathode = label.split("-")
    return Derivation(label, {anode: 1.0, cathode: -1.0})


@dataclass(frozen=True)
class Montage:
    """A named way of deriving traces from electrodes.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"tcp-elm"``.
    description : str
        One line for menus and ``--help``.
    build : callable
        Maps the electrodes present to the derivations, in display order.
    """

    name: str
    description: str
    build: Callable[[Sequence[str]], tuple[Derivation, ...]]

    def derivations(self, electrodes: Sequence[str]) -> tuple[Derivation, ...]:
        """Return the derivations of this montage for a set of electrodes, in display order."""
        return self.build(electrodes)

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
        column = {name: i for i, name in enumerate(electrodes)}
        derivations = self.derivations(electrodes)
        matrix = np.zeros((len(derivations), len(electrodes)))
        available = np.ones(len(derivations), dtype=bool)
        for row, derivation in enumerate(derivations):
            if not all(e in column for e in derivation.weights):
                available[row] = False
                continue
            for electrode, weight in derivation.weights.items():
                matrix[row, column[electrode]] += weight
        return matrix, available

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
        matrix, available = self.matrix(electrodes)
        traces = matrix @ data
        traces[~available] = np.nan
        return traces


def _fixed(labels: Sequence[str]) -> Callable[[Sequence[str]], tuple[Derivation, ...]]:
    derivations = tuple(bipolar(label) for label in labels)
    return lambda electrodes: derivations


def _average(electrodes: Sequence[str]) -> tuple[Derivation, ...]:
    scalp = [e for e in electrodes if e not in _REFERENCE_ELECTRODES]
    share = 1.0 / len(scalp) if scalp else 0.0
    derivations = []
    for electrode in scalp:
        weights = {other: -share for other in scalp}
        weights[electrode] += 1.0
        derivations.append(Derivation(f"{electrode}-Avg", weights))
    return tuple(derivations)


def _as_recorded(electrodes: Sequence[str]) -> tuple[Derivation, ...]:
    return tuple(Derivation(e, {e: 1.0}) for e in electrodes)


_REGISTRY: dict[str, Montage] = {
    montage.name: montage
    for montage in (
        Montage(
            "tcp-elm", "ELM 20-channel longitudinal bipolar (double banana)", _fixed(ELM_CHANNELS)
        ),
        Montage("tcp-22", "TUH 22-channel TCP with ear links A1-T3, T4-A2", _fixed(TCP_22)),
        Montage("transverse", "transverse (coronal) bipolar chains", _fixed(TRANSVERSE)),
        Montage("average", "common average reference over the scalp electrodes", _average),
        Montage("as-recorded", "the referential signals as recorded", _as_recorded),
    )
}


def list_montages() -> list[str]:
    """Return the names of all montages, the ELM montage first."""
    return list(_REGISTRY)


def get_montage(name: str) -> Montage:
    """Return a montage by name.

    Raises
    ------
    ConfigError
        If no montage has that name; the message lists the available ones.
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"unknown montage {name!r}; choose one of: {', '.join(_REGISTRY)}"
        ) from None
