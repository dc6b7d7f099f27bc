"""A cardiac dipole ECG: heart-vector waves projected onto the electrodes of the 12-lead ECG.

The heart is one moving dipole ``H(t)`` in body coordinates (x to the patient's left, y down,
z forward). Each wave of a beat (the two halves of the P wave, four QRS components, the T wave,
an injury current) is a fixed direction times a pulse in time, and ``H`` is their sum. An
electrode sees the projection of ``H`` on its own direction (the limb electrodes on Einthoven's
equilateral triangle, the chest electrodes on approximate V1-V6 positions, closer and so with
larger gains); the leads are then formed from the electrodes exactly as an electrocardiograph
forms them (Einthoven, Goldberger, Wilson's central terminal). So III = II - I,
aVR = -(I + II) / 2 and the other relations hold sample by sample, whatever the noise added to
the electrodes.

Each pulse rises as a quarter sine and falls as a quarter cosine: it starts and ends with a
finite slope, so its onset and end are where a measurement finds them, and the ground-truth
intervals are the ones the signal shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from elm_desktop.signals.ecg.leads import STANDARD_LEADS

#: The nine electrodes of the 12-lead ECG, in the order of the electrode axis of arrays.
ELECTRODES: tuple[str, ...] = ("RA", "LA", "LL", "V1", "V2", "V3", "V4", "V5", "V6")

# Frontal-plane angles of the limb electrodes (degrees, 0 = patient's left, 90 = down).
_LIMB_ANGLES = {"RA": -150.0, "LA": -30.0, "LL": 90.0}
# Chest electrodes: transverse angle (0 = left, 90 = forward), downward tilt, gain (nearness).
_CHEST = {
    "V1": (115.0, 0.0, 1.7),
    "V2": (95.0, 0.0, 2.4),
    "V3": (75.0, 0.1, 2.6),
    "V4": (55.0, 0.2, 2.5),
    "V5": (30.0, 0.25, 2.0),
    "V6": (5.0, 0.25, 1.6),
}


def electrode_directions(chest_gain: Iterable[float] = (1.0,) * 6) -> np.ndarray:
    """Return the (9, 3) lead-field directions of :data:`ELECTRODES`.

    Parameters
    ----------
    chest_gain : iterable of float
        A factor per chest electrode (placement and body build differ between patients).
    """
    rows = []
    for name in ELECTRODES[:3]:
        angle = np.radians(_LIMB_ANGLES[name])
        rows.append((np.cos(angle), np.sin(angle), 0.0))
    for (angle_deg, tilt, gain), factor in zip(_CHEST.values(), chest_gain, strict=True):
        angle = np.radians(angle_deg)
        rows.append(tuple(gain * factor * np.array((np.cos(angle), tilt, np.sin(angle)))))
    return np.array(rows)


def _lead_matrix() -> np.ndarray:
    """The (12, 9) matrix that forms the standard leads from the electrode potentials."""
    ra, la, ll = np.eye(9)[:3]
    wilson = (ra + la + ll) / 3
    rows = {
        "I": la - ra,
        "II": ll - ra,
        "III": ll - la,
        "aVR": ra - (la + ll) / 2,
        "aVL": la - (ra + ll) / 2,
        "aVF": ll - (ra + la) / 2,
    }
    rows.update({f"V{k}": np.eye(9)[2 + k] - wilson for k in range(1, 7)})
    return np.array([rows[lead] for lead in STANDARD_LEADS])


#: Leads from electrodes: ``leads = LEAD_MATRIX @ electrodes``.
LEAD_MATRIX = _lead_matrix()


@dataclass(frozen=True)
class Wave:
    """One component of the heart vector: a direction times a pulse.

    Attributes
    ----------
    onset : float
        Seconds from the start of the recording.
    rise, fall : float
        Seconds from onset to the peak and from the end of the plateau to the end.
    vector : tuple of float
        Direction and size (x left, y down, z forward), in mV of an electrode of unit gain.
    hold : float
        Seconds the pulse stays at its peak (an injury current's plateau).
    """

    onset: float
    rise: float
    fall: float
    vector: tuple[float, float, float]
    hold: float = 0.0

    @property
    def end(self) -> float:
        return self.onset + self.rise + self.hold + self.fall

    @property
    def area(self) -> float:
        """Integral of the pulse over time, in seconds (times the vector gives mV s)."""
        return 2 / np.pi * (self.rise + self.fall) + self.hold


def pulse(t: np.ndarray, rise: float, fall: float, hold: float = 0.0) -> np.ndarray:
    """The shape of a wave at times ``t`` from its onset: 0 outside, 1 at the peak."""
    up = np.sin(np.pi / 2 * np.clip(t / rise, 0.0, 1.0))
    down = np.cos(np.pi / 2 * np.clip((t - rise - hold) / fall, 0.0, 1.0))
    inside = (t >= 0) & (t <= rise + hold + fall)
    return np.where(inside, np.where(t <= rise, up, down), 0.0)


def heart_vector(waves: Iterable[Wave], n_samples: int, sfreq: float) -> np.ndarray:
    """Sum the waves into the heart vector, shape (3, n_samples), in mV."""
    vector = np.zeros((3, n_samples))
    for wave in waves:
        first = max(int(np.ceil(wave.onset * sfreq)), 0)
        last = min(int(np.floor(wave.end * sfreq)) + 1, n_samples)
        if last <= first:
            continue
        t = np.arange(first, last) / sfreq - wave.onset
        vector[:, first:last] += np.outer(wave.vector, pulse(t, wave.rise, wave.fall, wave.hold))
    return vector


def project(vector: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Electrode potentials (9, n) of a heart vector (3, n)."""
    return directions @ vector


def leads_from_electrodes(electrodes: np.ndarray) -> np.ndarray:
    """The 12 standard leads (12, n) from the electrode potentials (9, n)."""
    return LEAD_MATRIX @ electrodes
