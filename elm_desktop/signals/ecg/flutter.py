"""Atrial flutter's conduction ratio, from the flutter waves between the T wave and the next QRS.

In flutter with a fixed conduction ratio the atria beat a whole number of times per ventricular
beat, so the atrial rate is that number times the ventricular rate. The number is measured
here from the flutter waves' cycle: in each stretch after the T wave and before the next QRS
complex (from :data:`AFTER_T_S` after the median beat's T end to :data:`BEFORE_QRS_S` before the
next complex) of the leads where flutter waves are largest (:data:`LEADS`), the autocorrelation
over lags of :data:`CYCLE_S` (a flutter cycle: 190-400/min), summed over the stretches, peaks at
the cycle. The ratio is the RR interval over that cycle, given when every RR interval lies
within :data:`MAX_OFF_INTEGER` of the same whole number of cycles, at least 3 (a fixed ratio:
not a variable conduction, nor an irregular rhythm), and the peak reaches
:data:`MIN_CORRELATION`. The stretches are timed from each complex's detection (its steepest
point), so they start a little later after the T wave than :data:`AFTER_T_S`.

2:1 conduction is not measured: at about 150/min the stretch after the T wave is shorter than
one flutter cycle, and the other flutter wave hides in the QRS or the T wave. Against the
synthetic corpus's truth: ``benchmarks/ecg_flutter_conduction.py``,
``benchmarks/results/ecg-flutter-conduction.txt``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from elm_desktop.signals.ecg.leads import STANDARD_LEADS
from elm_desktop.signals.ecg.measurements import band_passed

#: Leads where flutter waves are largest (the inferior leads and V1).
LEADS = ("II", "III", "aVF", "V1")
#: Range of flutter cycles looked for, in seconds.
CYCLE_S = (0.15, 0.32)
#: A stretch starts this long after the T wave's end ...
AFTER_T_S = 0.02
#: ... and ends this long before the next QRS complex's detection.
BEFORE_QRS_S = 0.08
#: A stretch counts when it is this long (seconds); each lag is measured over the stretches
#: at least :data:`LAG_MARGIN_S` longer than it.
MIN_STRETCH_S = 0.25
LAG_MARGIN_S = 0.05
#: Least summed autocorrelation (over the summed power) at the cycle.
MIN_CORRELATION = 0.3
#: Largest distance of any RR interval over the cycle from the ratio.
MAX_OFF_INTEGER = 0.3


@dataclass(frozen=True)
class FlutterConduction:
    """The flutter waves' cycle and the conduction ratio it gives.

    Attributes
    ----------
    ratio : int
        Atrial beats per ventricular beat (4 for 4:1 conduction).
    cycle_ms : float
        The flutter waves' cycle, in ms.
    stretches : int
        The T-Q stretches it was measured over.
    """

    ratio: int
    cycle_ms: float
    stretches: int

    def sentence(self) -> str:
        """E.g. ``"Flutter waves every 205 ms (an atrial rate of 293/min) between the T wave and
        the next QRS: 4:1 conduction."``: the atrial rate from the cycle itself, not the ratio
        times the ventricular rate, which the ratio's slack (:data:`MAX_OFF_INTEGER`) lets
        differ from it."""
        return (
            f"Flutter waves every {self.cycle_ms:.0f} ms (an atrial rate of "
            f"{round(60000 / self.cycle_ms)}/min) between the T wave and the next QRS: "
            f"{self.ratio}:1 conduction."
        )


def flutter_conduction(
    samples_mv: np.ndarray, sfreq: float, qrs: np.ndarray, qt_ms: float
) -> FlutterConduction | None:
    """Measure the conduction ratio of a flutter (module docstring).

    Parameters
    ----------
    samples_mv : ndarray, shape (12, n_samples)
        The leads in mV, in the standard order (band-passed here as for the median beat).
    sfreq : float
        Sampling rate in Hz.
    qrs : ndarray of int
        The QRS complexes' samples.
    qt_ms : float
        The median beat's QT interval: where the T wave ends after each complex.

    Returns
    -------
    FlutterConduction or None
        None when no stretch is long enough (2:1 conduction), the waves do not repeat, or the
        ratio is no whole number of at least 3.
    """
    x = band_passed(np.asarray(samples_mv, np.float64), sfreq)
    x = x[[STANDARD_LEADS.index(name) for name in LEADS]]
    lags = np.arange(int(CYCLE_S[0] * sfreq), int(CYCLE_S[1] * sfreq) + 1)
    products, counts = np.zeros(len(lags)), np.zeros(len(lags))
    power, stretches = 0.0, 0
    for this, following in zip(qrs[:-1], qrs[1:], strict=True):
        start = int(this + (qt_ms / 1000 + AFTER_T_S) * sfreq)
        stop = int(following - BEFORE_QRS_S * sfreq)
        if stop - start < MIN_STRETCH_S * sfreq:
            continue
        stretch = x[:, start:stop] - x[:, start:stop].mean(axis=1, keepdims=True)
        n = stretch.shape[1]
        fits = lags < n - LAG_MARGIN_S * sfreq
        products[fits] += [
            np.sum(stretch[:, :-lag] * stretch[:, lag:]) / (n - lag) for lag in lags[fits]
        ]
        counts[fits] += 1
        power += float(np.sum(stretch * stretch)) / n
        stretches += 1
    if not stretches or power <= 0 or not counts.any():
        return None
    measured = counts > 0
    lags = lags[measured]
    correlation = products[measured] / counts[measured] / (power / stretches)
    best = int(np.argmax(correlation))
    cycle = lags[best] / sfreq
    # Every RR interval the same whole number of cycles: a fixed ratio, not a variable
    # conduction or an irregular rhythm whose median happens to fall near one.
    ratios = np.diff(qrs) / sfreq / cycle
    whole = round(float(np.median(ratios)))
    if (
        correlation[best] < MIN_CORRELATION
        or whole < 3
        or np.abs(ratios - whole).max() > MAX_OFF_INTEGER
        or best in (0, len(lags) - 1)  # a peak at the range's edge is no cycle found
    ):
        return None
    return FlutterConduction(whole, cycle * 1000, stretches)
