"""ECG leads that recorded nothing: flat in the file, as a disconnected lead or an empty export.

A live lead always carries its QRS complexes, a tenth of a millivolt or more even in low-voltage
ECGs, and its amplifier's noise; a lead whose whole trace stays within :data:`FLAT_LEAD_MV` is
not recording. Without this, an all-zero file was only called "unlike the training data" (a
new-user trial), which does not tell the reader to check the electrodes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: A lead whose samples span less than this (mV) over the whole record is flat: 10 uV, under
#: an ECG amplifier's own noise.
FLAT_LEAD_MV = 0.01


def flat_leads(samples_mv: np.ndarray, leads: Sequence[str]) -> list[str]:
    """The leads of ``leads`` (rows of ``samples_mv``, [n_leads, n_samples], in mV, finite as
    the readers give them) whose samples span less than :data:`FLAT_LEAD_MV`, in that order."""
    span = np.ptp(np.asarray(samples_mv, np.float64), axis=1)
    return [lead for lead, width in zip(leads, span, strict=True) if width < FLAT_LEAD_MV]


def flat_leads_sentence(flat: Sequence[str], n_leads: int) -> str:
    """One sentence for the notice; empty when no lead is flat."""
    if not flat:
        return ""
    if len(flat) == n_leads:
        return (
            "Every lead is flat (under 10 uV): the electrodes were not connected or the file "
            "holds no signal; check the recording."
        )
    named = ", ".join(flat)
    return (
        f"{'Lead' if len(flat) == 1 else 'Leads'} {named} {'is' if len(flat) == 1 else 'are'} "
        "flat (under 10 uV): an electrode may be disconnected, and nothing in "
        f"{'it' if len(flat) == 1 else 'them'} can be read."
    )
