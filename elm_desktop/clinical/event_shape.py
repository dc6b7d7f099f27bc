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
:func:`least_kept`; :data:`MIN_EVENT_RISE` for a model calibrated without one, or where its
reference does not apply, as with a user's own prompts); otherwise the draft holds it, neither
stating the seizure nor denying it, and says why. The draft cannot tell a seizure lasting most
of the recording (a status), or a recording too short to show one, from a background that
resembles one this way: such a recording is left to the reviewer, never called seizure-free.
The demo model's calibration recordings last one minute; over longer recordings the strongest
stretch is drawn from more crops, so a seizure-free recording's rise grows with its length,
and the limit holds fewer of them.

A seizure also changes the signal where it is: its rhythmic discharge raises the power of some
derivation in some band well above that derivation's median crop. So an event is stated only
when, over the same strongest :data:`EVENT_SPAN_S` of its curve, the largest such rise
(:func:`event_change`, in bels of band power) reaches its model's least change (chosen at
calibration, :func:`least_kept` on the recordings whose prompt called the event;
:data:`MIN_EVENT_CHANGE` for a model calibrated without one, or where its reference does not
apply); otherwise the model points at a stretch where the recording shows nothing happening,
and the draft holds the finding. Falls in power are not counted (an electrode coming off
falls too, and an electrodecremental onset is followed by the discharge), nor derivations
flat or disconnected over the recording (:data:`~elm_desktop.clinical.familiarity.FLAT_BELOW`).
A new-user trial found seizures drafted on three-minute recordings without one, the curve's
strongest stretch there changing the signal by a few times its power where true seizures
change it tens of times (``benchmarks/results/seizure-signal-change.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil, floor
from typing import TYPE_CHECKING

import numpy as np

from elm_desktop.clinical.familiarity import FLAT_BELOW, channel_levels

if TYPE_CHECKING:
    from elm_desktop.clinical.zeroshot import FindingScore

#: Knowledge-base categories whose findings are events with a beginning and an end.
EVENT_CATEGORIES: frozenset[str] = frozenset({"ictal"})

#: The shortest electrographic seizure (ACNS): the span whose mean crop probability is compared
#: with the recording's median crop.
EVENT_SPAN_S = 10.0

#: Least rise of the strongest :data:`EVENT_SPAN_S` over the median crop for an event to be
#: stated, where the model's calibration chose none (:func:`least_kept` chooses it for each
#: model). The demo model's calibration chose it too for its knowledge prompts (0.01 for its
#: plain ones): the lowest rise of the 35 true seizures
#: its prompt called among its 406 calibration recordings was 0.062, not on any test set
#: (``benchmarks/results/seizure-event-shape.md``).
MIN_EVENT_RISE = 0.06

#: Least :func:`event_change`, in bels, for an event to be stated where the model's calibration
#: chose none: as :data:`MIN_EVENT_RISE`, the demo model's own for its knowledge prompts (0.1
#: for its plain ones; ``benchmarks/results/seizure-signal-change.md``). The signal's change
#: does not depend on the prompts, so a user's own prompts keep a limit too.
MIN_EVENT_CHANGE = 0.7


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
    start, stop = strongest_stretch(values, window_s)
    return float(values[start:stop].mean() - np.median(values))


def strongest_stretch(curve: np.ndarray, window_s: float) -> tuple[int, int]:
    """The first and past-the-last crop of a non-empty curve's strongest :data:`EVENT_SPAN_S`:
    the ``ceil(EVENT_SPAN_S / window_s)`` consecutive crops (all of them when there are fewer)
    of the highest mean, the first of equals."""
    span = min(max(ceil(EVENT_SPAN_S / window_s), 1), len(curve))
    start = int(np.convolve(curve, np.full(span, 1.0 / span), mode="valid").argmax())
    return start, start + span


def stretches(n_crops: int, window_s: float) -> int:
    """How many :data:`EVENT_SPAN_S` stretches of consecutive crops :func:`event_rise` compares
    on a curve of ``n_crops`` crops of ``window_s`` seconds (at least one)."""
    span = max(ceil(EVENT_SPAN_S / window_s), 1)
    return max(n_crops - span + 1, 1)


def event_change(band_power: np.ndarray, curve: np.ndarray, window_s: float) -> float:
    """How much the signal changes over a finding's strongest :data:`EVENT_SPAN_S`.

    Parameters
    ----------
    band_power : numpy.ndarray
        [n_crops, channels, bands] log10 band power of each crop
        (:func:`~elm_desktop.clinical.localise.crop_band_power`).
    curve : numpy.ndarray
        [n_crops] the finding's per-crop probability, in time order.
    window_s : float
        Crop length in seconds.

    Returns
    -------
    float
        Over the consecutive crops where :func:`event_rise` finds the curve's strongest
        stretch, the largest rise, over derivations and bands, of their mean log10 power over
        the derivation's median crop (bels: 1 is ten times the power), derivations flat over
        the recording left out; 0 for an empty curve, or where the power falls throughout.
    """
    values = np.asarray(curve, np.float64)
    power = np.asarray(band_power, np.float64)
    if values.size == 0 or power.size == 0:
        return 0.0
    start, stop = strongest_stretch(values, window_s)
    rise = power[start:stop].mean(axis=0) - np.median(power, axis=0)
    live = channel_levels(power) >= -FLAT_BELOW
    return float(max(rise[live].max(), 0.0)) if live.any() else 0.0


def least_kept(
    values: Sequence[float], called: Sequence[bool], step: float, default: float
) -> float:
    """The least value (an event rise or change) for an event to be stated, chosen on
    calibration recordings.

    The highest value, rounded down to ``step``, that keeps every recording with the event
    whose prompt called it (``called``), and not under 0 (a curve alternating crop by crop can
    rise less than nothing); ``default`` when the prompt called none.
    """
    kept = [value for value, yes in zip(values, called, strict=True) if yes]
    # Rounded again so that 0.7 is written as 0.7, not as 7 * 0.1.
    return max(round(float(np.floor(min(kept) / step + 1e-9) * step), 9), 0.0) if kept else default


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
        s.finding_id: why
        for s in scores
        if (s.present or s.prompt_present) and (why := _why(s)) is not None
    }


def _why(score: FindingScore) -> str | None:
    """Why an event called present is held: no distinct event in its curve, or none in the
    signal where its curve points; None when it shows as one."""
    if score.event_rise is None:
        return None
    if score.prompt_probability is None:
        called = "over its threshold"
    elif score.prompt_present:
        called = f"its prompt {score.prompt_probability:.2f} >= {score.curve_threshold:.2f}"
    else:
        called = f"its {score.measure} {score.probability:.2f} >= {score.threshold:.2f}"
    if score.event_rise < score.event_rise_limit:
        return (
            f"{called} without a distinct event: over its strongest {EVENT_SPAN_S:g} s or more "
            f"its curve (the probability crop by crop) stands {score.event_rise:.3f} above the "
            f"recording's median crop, under {score.event_rise_limit:g} (a seizure starts and "
            "ends: left to the reviewer)"
        )
    if score.event_change is not None and score.event_change < score.event_change_limit:
        # Rounded apart (a change just under its limit is not printed as equal to it), and
        # the amplitude beside the power, which a reader may take it for.
        fold = floor(10 ** (score.event_change + 1)) / 10
        limit = ceil(10 ** (score.event_change_limit + 1)) / 10
        return (
            f"{called}, but the signal barely changes where its curve is strongest: over "
            f"those {EVENT_SPAN_S:g} s or more, no derivation's band power rises more than "
            f"{fold:.1f}-fold over its median epoch (amplitude "
            f"{floor(10 ** (score.event_change / 2 + 1)) / 10:.1f}-fold), under the model's "
            f"least change for a seizure, {limit:.1f}-fold (left to the reviewer)"
        )
    return None
