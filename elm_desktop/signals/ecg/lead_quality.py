"""ECG leads that cannot be read: flat, carrying noise without a heartbeat, or mains hum.

A live lead always carries its QRS complexes, a tenth of a millivolt or more even in low-voltage
ECGs, and its amplifier's noise; a lead whose whole trace stays within :data:`FLAT_LEAD_MV` is
not recording. Without this, an all-zero file was only called "unlike the training data" (a
new-user trial), which does not tell the reader to check the electrodes.

An electrode that is off but whose cable still picks up noise is not flat: its lead holds hum
and muscle noise and no heartbeat (a cardiologist's trial: such a V3 went unnamed). Each beat
the other leads find (:func:`~elm_desktop.signals.ecg.qrs.detect_qrs`) is cut out of the lead
around its QRS complex in the QRS band (:data:`BEAT_BAND_HZ`, above tremor and breathing);
where the lead follows the heart, the beats' median holds far more than noise would leave in
it (:data:`MIN_BEAT_SNR` times); a lead where it does not shows no heartbeat above its noise,
however little it moves (a trial: a V1 of 3 uV noise, not flat by :data:`FLAT_LEAD_MV`, had
its ST read as 0.00 mV). A lead whose complexes are merely small, at right angles to the
heart's axis, still holds them far above its noise.

Mains hum (50 or 60 Hz) is measured as the median envelope of a narrow band around it, which a
QRS complex, brief and broad-band, hardly moves, and counted where it stands over the bands
beside it (noise spreads over all of them); from :data:`MAINS_MV` it is named, so that the cables
and the electrodes' contact are checked before the record is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from scipy import signal

from elm_desktop.signals.ecg.measurements import MAINS_HZ
from elm_desktop.signals.ecg.qrs import detect_qrs

#: A lead whose samples span less than this (mV) over the whole record is flat: 10 uV, under
#: an ECG amplifier's own noise.
FLAT_LEAD_MV = 0.01
#: The band a beat is compared in (Hz): the QRS complex's, above limb tremor (4-7 Hz) and
#: breathing, below mains (a review: tremor in 1-25 Hz passed for a lead without a heartbeat).
BEAT_BAND_HZ = (8.0, 25.0)
#: A beat is cut from this long before to this long after its QRS complex (seconds).
BEAT_WINDOW_S = (0.1, 0.1)
#: Fewest beats for the comparison (with fewer, the median's spread is too uncertain), and the
#: most compared, evenly spread over a long record.
MIN_BEATS = 6
MAX_BEATS = 200
#: The beats' median holds at least this many times the power noise would leave in it (about
#: 1 for noise alone, up to 4.4 over 293 records of 6-20 beats; a live lead's QRS complex 48 or
#: more on the same records, ``benchmarks/results/ecg-lead-quality.txt``).
MIN_BEAT_SNR = 6.0
#: The half-width of the band measured around each mains frequency (Hz), how far beside it
#: (Hz, each side) the noise floor is measured, and how far over that floor hum stands.
MAINS_HALF_BAND_HZ = 1.5
MAINS_BESIDE_HZ = 5.0
MAINS_PEAK = 3.0
#: Mains hum of this amplitude (mV, peak) or more is named: half a millimetre on ECG paper,
#: where it thickens the trace and hides P waves and the ST segment's detail.
MAINS_MV = 0.05


def flat_leads(samples_mv: np.ndarray, leads: Sequence[str]) -> list[str]:
    """The leads of ``leads`` (rows of ``samples_mv``, [n_leads, n_samples], in mV, finite as
    the readers give them) whose samples span less than :data:`FLAT_LEAD_MV`, in that order."""
    span = np.ptp(np.asarray(samples_mv, np.float64), axis=1)
    return [lead for lead, width in zip(leads, span, strict=True) if width < FLAT_LEAD_MV]


@lru_cache(maxsize=8)
def _beat_sos(sfreq: float) -> np.ndarray:
    high = min(BEAT_BAND_HZ[1], 0.45 * sfreq)
    return signal.butter(4, [BEAT_BAND_HZ[0], high], "bandpass", fs=sfreq, output="sos")


def beat_snr(samples_mv: np.ndarray, sfreq: float) -> np.ndarray | None:
    """Per lead, the power of the beats' median over what noise would leave in it.

    Median and median absolute deviation across beats, so that a premature beat or an
    electrode pop in a few of them does not pass for noise.

    Parameters
    ----------
    samples_mv : ndarray, shape (n_leads, n_samples)
    sfreq : float

    Returns
    -------
    ndarray of float, shape (n_leads,), or None
        About 1 for a lead of noise, far more for a lead that follows the heart; None where
        fewer than :data:`MIN_BEATS` whole beats are found.
    """
    samples = np.asarray(samples_mv, np.float64)
    before, after = (int(round(s * sfreq)) for s in BEAT_WINDOW_S)
    qrs = detect_qrs(samples, sfreq)
    qrs = qrs[(qrs >= before) & (qrs + after <= samples.shape[1])]
    if len(qrs) < MIN_BEATS:
        return None
    qrs = qrs[np.linspace(0, len(qrs) - 1, min(len(qrs), MAX_BEATS)).round().astype(int)]
    filtered = signal.sosfiltfilt(_beat_sos(float(sfreq)), samples, axis=1)
    beats = np.stack([filtered[:, q - before : q + after] for q in qrs], axis=1)
    typical = np.median(beats, axis=1)
    spread = 1.4826 * np.median(np.abs(beats - typical[:, None, :]), axis=1)
    # The variance of a median of n normal values is about pi / 2 times that of their mean.
    noise = np.median(spread**2, axis=1) * np.pi / (2 * len(qrs))
    power = (typical**2).mean(axis=1)
    return power / np.maximum(noise, 1e-12)


def noise_only_leads(
    samples_mv: np.ndarray, leads: Sequence[str], sfreq: float, skip: Sequence[str] = ()
) -> list[str]:
    """The leads of ``leads`` (but ``skip``, e.g. the flat ones) that carry no heartbeat the
    other leads show: their beats' median under :data:`MIN_BEAT_SNR` times what noise leaves
    in it, however little they move. A lead whose complexes are merely small (near the heart's
    axis at right angles) holds them far above its noise."""
    snr = beat_snr(samples_mv, sfreq)
    if snr is None:
        return []
    return [
        lead
        for lead, ratio in zip(leads, snr, strict=True)
        if lead not in skip and ratio < MIN_BEAT_SNR
    ]


def _band_envelope(samples: np.ndarray, sfreq: float, low: float, high: float) -> np.ndarray:
    """Each lead's median envelope (mV, peak) in the band ``low``-``high`` Hz."""
    sos = signal.butter(2, [low, high], "bandpass", fs=sfreq, output="sos")
    edge = int(round(0.5 * sfreq))  # the band-pass's start-up at each end
    band = signal.sosfiltfilt(sos, samples, axis=1)
    return np.median(np.abs(signal.hilbert(band, axis=1))[:, edge:-edge], axis=1)


def mains_hum(samples_mv: np.ndarray, sfreq: float) -> tuple[float, np.ndarray] | None:
    """The mains frequency that hums most in the record, and each lead's hum (mV, peak).

    A lead's hum counts where it stands :data:`MAINS_PEAK` times over the bands beside it
    (broad-band noise is no hum; 0 otherwise). None where the sampling rate or the record's
    length cannot show it.
    """
    samples = np.asarray(samples_mv, np.float64)
    if samples.shape[1] <= 2 * sfreq:
        return None
    found = None
    for mains in MAINS_HZ:
        if mains + MAINS_BESIDE_HZ + MAINS_HALF_BAND_HZ >= 0.45 * sfreq:
            continue
        half = MAINS_HALF_BAND_HZ
        hum = _band_envelope(samples, sfreq, mains - half, mains + half)
        around = [mains - MAINS_BESIDE_HZ, mains + MAINS_BESIDE_HZ]
        floor = np.mean([_band_envelope(samples, sfreq, f - half, f + half) for f in around], 0)
        hum = np.where(hum >= MAINS_PEAK * floor, hum, 0.0)
        if found is None or hum.max() > found[1].max():
            found = (mains, hum)
    return found


@dataclass(frozen=True)
class LeadQuality:
    """What can and cannot be read in a record's leads.

    Attributes
    ----------
    leads : tuple of str
        The leads assessed, in order.
    flat : tuple of str
        Leads within :data:`FLAT_LEAD_MV` over the whole record.
    noise_only : tuple of str
        Leads that move but carry no heartbeat (:func:`noise_only_leads`).
    mains_hz : float or None
        The mains frequency that hums from :data:`MAINS_MV` in some lead; None without hum.
    humming : tuple of str
        The leads with that hum.
    hum_mv : float
        The largest hum, mV (peak).
    """

    leads: tuple[str, ...]
    flat: tuple[str, ...] = ()
    noise_only: tuple[str, ...] = ()
    mains_hz: float | None = None
    humming: tuple[str, ...] = ()
    hum_mv: float = 0.0

    @property
    def unreadable(self) -> tuple[str, ...]:
        """The leads nothing can be read in: flat or noise only, in the leads' order."""
        return tuple(lead for lead in self.leads if lead in (*self.flat, *self.noise_only))

    def sentences(self) -> list[str]:
        """The notice's sentences, worst first; none for a clean record."""
        sentences = [flat_leads_sentence(self.flat, len(self.leads))] if self.flat else []
        if self.noise_only:
            one = len(self.noise_only) == 1
            named = _leads(self.noise_only)
            sentences.append(
                f"{named[0].upper()}{named[1:]} {'shows' if one else 'show'} no heartbeat above "
                "the noise, where the other leads show it (an electrode off or poorly attached, "
                f"or tremor): nothing in {'it' if one else 'them'} can be read."
            )
        if self.mains_hz is not None:
            sentences.append(
                f"Mains hum at {self.mains_hz:g} Hz in {_leads(self.humming, len(self.leads))} "
                f"(up to {self.hum_mv:.2f} mV): check the electrodes' contact and the cables; "
                "it hides P waves and the ST segment's detail."
            )
        return sentences


def assess_leads(samples_mv: np.ndarray, leads: Sequence[str], sfreq: float) -> LeadQuality:
    """Which leads of a record are flat, noise only or humming (module docstring).

    Parameters
    ----------
    samples_mv : ndarray, shape (n_leads, n_samples)
        The leads in mV, finite as the readers give them.
    leads : sequence of str
        Their names.
    sfreq : float
    """
    leads = tuple(leads)
    flat = tuple(flat_leads(samples_mv, leads))
    if len(flat) == len(leads):
        return LeadQuality(leads, flat)
    noisy = tuple(noise_only_leads(samples_mv, leads, sfreq, skip=flat))
    if len(noisy) + len(flat) == len(leads):  # no lead left to find the beats in
        noisy = ()
    quality = LeadQuality(leads, flat, noisy)
    hum = mains_hum(samples_mv, sfreq)
    if hum is None or hum[1].max() < MAINS_MV:
        return quality
    mains, amplitude = hum
    humming = tuple(lead for lead, a in zip(leads, amplitude, strict=True) if a >= MAINS_MV)
    return replace(quality, mains_hz=mains, humming=humming, hum_mv=float(amplitude.max()))


def _leads(names: Sequence[str], every: int = 0) -> str:
    if len(names) == every:
        return "every lead"
    return f"{'lead' if len(names) == 1 else 'leads'} {', '.join(names)}"


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
