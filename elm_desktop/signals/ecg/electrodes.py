"""The twelve leads as combinations of the nine electrodes, and artefacts of one electrode.

Each standard lead is a fixed combination of the electrode potentials (Einthoven's I, II and III,
Goldberger's augmented leads, the chest leads against Wilson's central terminal), so anything
that happens at one electrode alone (a pop as it loses contact, a tap on it) moves the twelve
leads in one fixed proportion: that electrode's column of :data:`LEADS_FROM_ELECTRODES`. The
heart's activity, a dipole seen by every electrode, does not: of the band-passed samples within
40 ms of 7,237 QRS complexes (the corpus's val and test records without a pop) none pointed
along one electrode's column at :data:`ONE_ELECTRODE_COSINE`, while a pop's do
(``benchmarks/results/ecg-qrs.txt``).
"""

from __future__ import annotations

import numpy as np

#: The electrodes, in the columns' order.
ELECTRODES: tuple[str, ...] = ("RA", "LA", "LL", "V1", "V2", "V3", "V4", "V5", "V6")

#: Rows: the leads in :data:`~.leads.STANDARD_LEADS` order; columns: :data:`ELECTRODES`.
LEADS_FROM_ELECTRODES = np.array(
    [
        [-1, 1, 0, 0, 0, 0, 0, 0, 0],  # I = LA - RA
        [-1, 0, 1, 0, 0, 0, 0, 0, 0],  # II = LL - RA
        [0, -1, 1, 0, 0, 0, 0, 0, 0],  # III = LL - LA
        [1, -0.5, -0.5, 0, 0, 0, 0, 0, 0],  # aVR
        [-0.5, 1, -0.5, 0, 0, 0, 0, 0, 0],  # aVL
        [-0.5, -0.5, 1, 0, 0, 0, 0, 0, 0],  # aVF
        *([-1 / 3, -1 / 3, -1 / 3] + [float(i == k) for i in range(6)] for k in range(6)),
    ]
)

#: Least |cosine| between the leads' direction and one electrode's column for one electrode
#: alone to have made it.
ONE_ELECTRODE_COSINE = 0.98

_UNIT_COLUMNS = LEADS_FROM_ELECTRODES / np.linalg.norm(LEADS_FROM_ELECTRODES, axis=0)


def one_electrode_samples(filtered: np.ndarray) -> np.ndarray:
    """Which samples of the band-passed leads one electrode alone moved.

    Parameters
    ----------
    filtered : ndarray, shape (12, n_samples)
        The twelve standard leads, band-passed (no baseline), in one unit.

    Returns
    -------
    ndarray of bool, shape (n_samples,)
        True where the lead vector points along one electrode's column (|cosine|
        :data:`ONE_ELECTRODE_COSINE` or more).
    """
    norms = np.linalg.norm(filtered, axis=0)
    cosines = np.abs(_UNIT_COLUMNS.T @ filtered) / np.maximum(norms, np.finfo(float).tiny)
    return cosines.max(axis=0) >= ONE_ELECTRODE_COSINE
