"""Whether a finding that is an event shows as one in time.

An electrographic seizure is an event: rhythmic activity that starts, evolves and ends, lasting
at least 10 s (ACNS standardized critical care EEG terminology, 2021). A seizure prompt scored
over its threshold on the whole recording can also come from a background that only resembles
it throughout, such as continuous polymorphic focal slowing or frequent interictal spikes. The
demo model's seizure prompt was over its threshold on 58 of the 368 seizure-free one-minute
recordings of its calibration splits, and on 26 of 142 seizure-free neural-mass test
recordings, most of them with focal slowing (``benchmarks/results/seizure-event-shape.md``).

Where there is a seizure, its own crops stand above the rest of the recording. So a finding of an
event category called present (by its score, or by its prompt alone) is stated only when the
mean of its per-crop curve over its strongest :data:`EVENT_SPAN_S` (one crop of a 60 s model)
stands at least its model's least rise above the curve's median crop (chosen at calibration,
:func:`least_rise`; :data:`MIN_EVENT_RISE` for a model calibrated without one, or where its
reference does not apply, as with a user's own prompts); otherwise the draft holds it, neither
stating the seizure nor denying it, and says why. The draft cannot tell a seizure lasting most
of the recording (a status), or a recording too short to show one, from a background that
resembles one this way: such a recording is left to the reviewer, never called seizure-free.
The demo model's calibration recordings last one minute; over longer recordings the strongest
stretch is drawn from more crops, so a seizure-free recording's rise grows with its length,
and the limit holds fewer of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from elm_desktop.clinical.zeroshot import FindingScore

#: Knowledge-base categories whose findings are events with a beginning and an end.
EVENT_CATEGORIES: frozenset[str] = frozenset({"ictal"})

#: The shortest electrographic seizure (ACNS): the span whose mean crop probability is compared
#: with the recording's median crop.
EVENT_SPAN_S = 10.0

#: Least rise of the strongest :data:`EVENT_SPAN_S` over the median crop for an event to be
#: stated, where the model's calibration chose none (:func:`least_rise` chooses it for each
#: model). The demo model's calibration chose it too for its knowledge prompts (0.01 for its
#: plain ones): the lowest rise of the 35 true seizures
#: its prompt called among its 406 calibration recordings was 0.062, not on any test set
#: (``benchmarks/results/seizure-event-shape.md``).
MIN_EVENT_RISE = 0.06


def event_rise(curve: np.ndarray, window_s: float) -> float:
    """How far a finding's strongest :data:`EVENT_SPAN_S` stands above its median crop.

    Parameters
    ----------
    curve : numpy.ndarray
        [n_crops] the finding's per-crop probability, in time order.
    window_s : float
        Crop length in seconds.

    Returns
    -------
    float
        The highest mean over ``ceil(EVENT_SPAN_S / window_s)`` consecutive crops (all of them
        when there are fewer) minus the median crop; 0 for an empty curve.
    """
    values = np.asarray(curve, np.float64)
    if values.size == 0:
        return 0.0
    span = min(max(ceil(EVENT_SPAN_S / window_s), 1), values.size)
    strongest = np.convolve(values, np.full(span, 1.0 / span), mode="valid").max()
    return float(strongest - np.median(values))


def stretches(n_crops: int, window_s: float) -> int:
    """How many :data:`EVENT_SPAN_S` stretches of consecutive crops :func:`event_rise` compares
    on a curve of ``n_crops`` crops of ``window_s`` seconds (at least one)."""
    span = max(ceil(EVENT_SPAN_S / window_s), 1)
    return max(n_crops - span + 1, 1)


def least_rise(rises: Sequence[float], called: Sequence[bool]) -> float:
    """The least rise for an event to be stated, chosen on calibration recordings.

    The highest value, rounded down to 0.01, that keeps every recording with the event whose
    prompt called it (``called``), and not under 0 (a curve alternating crop by crop can rise
    less than nothing); :data:`MIN_EVENT_RISE` when the prompt called none.
    """
    kept = [rise for rise, yes in zip(rises, called, strict=True) if yes]
    return max(float(np.floor(min(kept) * 100) / 100), 0.0) if kept else MIN_EVENT_RISE


def unlike_an_event(scores: Sequence[FindingScore]) -> dict[str, str]:
    """The event findings called present, by their score or by their prompt alone, whose curve
    shows no event, each with why the draft holds it (neither stated nor denied).

    The prompt alone counts too: a seizure's finding score places the event rise, so one that
    fills most of a recording, or a recording too short to show one, scores under its threshold
    there, and would otherwise be denied. A score without an
    :attr:`~elm_desktop.clinical.zeroshot.FindingScore.event_rise` (a finding that is not an
    event, or a score made without its curve) is never held here.
    """
    return {
        s.finding_id: _why(s)
        for s in scores
        if s.event_rise is not None
        and s.event_rise < s.event_rise_limit
        and (s.present or s.prompt_present)
    }


def _why(score: FindingScore) -> str:
    if score.prompt_probability is None:
        called = "over its threshold"
    elif score.prompt_present:
        called = f"its prompt {score.prompt_probability:.2f} >= {score.curve_threshold:.2f}"
    else:
        called = f"its {score.measure} {score.probability:.2f} >= {score.threshold:.2f}"
    return (
        f"{called} without a distinct event: its strongest {EVENT_SPAN_S:g} s stand "
        f"{score.event_rise:.3f} above the recording's median crop, under {score.event_rise_limit:g} "
        "(a seizure starts and ends: left to the reviewer)"
    )
