"""The waves of one beat, from a patient's heart (:class:`Heart`) and the kind of beat.

A sinus beat is a P wave (right then left atrium), a QRS of four components (septum, early
apical forces, the left-ventricular free wall, the basal terminal forces), an ST injury current
when there is one, and a T wave. Bundle branch block changes the QRS components (LBBB: septum
activated from the left, no early anterior forces, a slow notched leftward-posterior wall;
RBBB: normal early QRS then a late rightward-anterior R'), and its repolarisation follows the
QRS the other way (discordant ST-T). A PVC is a wide QRS from an ectopic focus with a discordant
T; a PAC's P wave comes from low in the atrium (negative in II, III, aVF).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from elm_desktop.synth.ecg.heart import Wave


def unit(x: float, y: float, z: float) -> np.ndarray:
    """The unit vector along (x, y, z)."""
    vector = np.array((x, y, z), dtype=float)
    return vector / np.linalg.norm(vector)


@dataclass(frozen=True)
class Heart:
    """What makes one patient's beats look as they do.

    Attributes
    ----------
    qrs_axis_deg : float
        Frontal direction of the left-ventricular free-wall forces (0 = left, 90 = down).
    qrs_scale, t_scale, p_scale : float
        Sizes of the QRS, T and P vectors (mV at unit electrode gain).
    posterior : float
        Backward component of the free-wall forces (more negative: deeper S in V1-V2).
    t_axis_deg : float
        Frontal direction of the T wave of a normally conducted beat.
    conduction : str
        ``"normal"``, ``"lbbb"`` or ``"rbbb"``.
    wall_gain : float
        Factor on the free-wall forces (left ventricular hypertrophy: > 1).
    strain : bool
        Hypertrophy with a strain pattern (ST-T opposite to the free wall).
    injury : tuple of float
        The ST injury-current vector in mV; zeros when there is none.
    voltage_scale : float
        Factor on every wave (low voltage: < 1, as with effusion or obesity).
    hyperacute : float
        Factor on the T wave (hyperacute T waves of an acute anterior infarct: > 1).
    chest_gain : tuple of float
        Per chest electrode placement factor.
    """

    qrs_axis_deg: float
    qrs_scale: float
    posterior: float
    t_axis_deg: float
    t_scale: float
    p_scale: float
    conduction: str = "normal"
    wall_gain: float = 1.0
    strain: bool = False
    injury: tuple[float, float, float] = (0.0, 0.0, 0.0)
    voltage_scale: float = 1.0
    hyperacute: float = 1.0
    chest_gain: tuple[float, ...] = (1.0,) * 6


def p_waves(onset: float, duration: float, heart: Heart, ectopic: bool = False) -> list[Wave]:
    """The P wave beginning at ``onset``: sinus (right then left atrium) or low atrial."""
    size = heart.p_scale * heart.voltage_scale
    if ectopic:
        return [Wave(onset, 0.45 * duration, 0.55 * duration, tuple(size * unit(0.3, -0.8, 0.3)))]
    return [
        Wave(onset, 0.3 * duration, 0.3 * duration, tuple(size * unit(0.2, 0.8, 0.55))),
        Wave(
            onset + 0.25 * duration,
            0.4 * duration,
            0.35 * duration,
            tuple(size * unit(0.8, 0.45, -0.45)),
        ),
    ]


def _component(
    onset: float, qrs: float, start: float, rise: float, fall: float, vector: np.ndarray
) -> Wave:
    """A QRS component whose times are fractions of the QRS duration."""
    return Wave(onset + start * qrs, rise * qrs, fall * qrs, tuple(vector))


def qrs_waves(onset: float, qrs: float, heart: Heart) -> list[Wave]:
    """The QRS components of a supraventricular beat; they span ``[onset, onset + qrs]``."""
    size = heart.qrs_scale * heart.voltage_scale
    axis = np.radians(heart.qrs_axis_deg)
    wall = size * heart.wall_gain * np.array((np.cos(axis), np.sin(axis), heart.posterior))
    if heart.conduction == "lbbb":
        left_axis = np.radians(min(heart.qrs_axis_deg, 20.0))
        return [
            _component(onset, qrs, 0.0, 0.2, 0.2, 0.35 * size * unit(0.8, 0.1, -0.4)),
            _component(
                onset,
                qrs,
                0.1,
                0.25,
                0.25,
                1.2 * size * heart.wall_gain * unit(np.cos(left_axis), np.sin(left_axis), -0.5),
            ),
            _component(
                onset, qrs, 0.4, 0.3, 0.3, 1.3 * size * heart.wall_gain * unit(0.9, -0.15, -0.45)
            ),
        ]
    normal = [
        (0.0, 0.15, 0.2, 0.3 * size * unit(-0.7, 0.3, 0.65)),
        (0.08, 0.25, 0.25, 0.5 * size * unit(0.4, 0.75, 0.55)),
        (0.25, 0.27, 0.3, wall),
        (0.6, 0.2, 0.2, 0.3 * size * unit(-0.4, -0.5, -0.6)),
    ]
    if heart.conduction == "rbbb":
        # Left-ventricular activation in the first 60 %, then the right ventricle late (R').
        early = [(0.6 * s, 0.6 * r, 0.6 * f, v) for s, r, f, v in normal[:3]]
        return [_component(onset, qrs, *c) for c in early] + [
            _component(onset, qrs, 0.5, 0.25, 0.25, 0.6 * size * unit(-0.55, 0.1, 0.85))
        ]
    return [_component(onset, qrs, *c) for c in normal]


def mean_vector(waves: list[Wave]) -> np.ndarray:
    """The mean vector of some waves (their vectors weighted by their areas)."""
    return sum(np.array(w.vector) * w.area for w in waves)


def repolarisation(
    qrs_onset: float, qrs: float, qt: float, heart: Heart, complex_waves: list[Wave]
) -> list[Wave]:
    """The ST segment and T wave of a beat; the T wave ends at ``qrs_onset + qt``.

    The T wave starts 30 % of the way from the J point to its end and peaks at 62 % of its
    length (slow up, faster down). An ST shift (injury current, or the secondary ST change of
    bundle branch block and strain) rises over the last 30 % of the QRS, holds to the T peak and
    falls with the T wave, so the J point itself is shifted.
    """
    size = heart.voltage_scale
    j_point = qrs_onset + qrs
    t_onset = j_point + 0.3 * (qt - qrs)
    t_length = 0.7 * (qt - qrs)
    rise, fall = 0.62 * t_length, 0.38 * t_length
    qrs_direction = mean_vector(complex_waves)
    qrs_direction = qrs_direction / np.linalg.norm(qrs_direction)
    t_axis = np.radians(heart.t_axis_deg)
    t_vector = heart.t_scale * np.array((np.cos(t_axis), np.sin(t_axis), 0.35))
    st_vector = np.array(heart.injury, dtype=float)
    if heart.conduction == "lbbb":
        t_vector = -heart.t_scale * qrs_direction
        st_vector = st_vector - 0.12 * qrs_direction
    elif heart.conduction == "rbbb":
        t_vector = t_vector + 0.15 * unit(0.5, 0.0, -0.8)
    if heart.strain:
        wall = complex_waves[2].vector
        t_vector = -0.7 * heart.t_scale * np.asarray(wall) / np.linalg.norm(wall)
        st_vector = st_vector - 0.1 * np.asarray(wall) / np.linalg.norm(wall)
    waves = [Wave(t_onset, rise, fall, tuple(size * heart.hyperacute * t_vector))]
    if np.any(st_vector):
        st_onset = qrs_onset + 0.7 * qrs
        hold = t_onset + rise - (st_onset + 0.3 * qrs)
        waves.append(Wave(st_onset, 0.3 * qrs, fall, tuple(size * st_vector), hold=hold))
    return waves


def pvc_waves(
    onset: float, qrs: float, qt: float, heart: Heart, focus: tuple[float, float, float]
) -> list[Wave]:
    """A premature ventricular beat from ``focus`` (a unit vector): wide QRS, discordant ST-T."""
    # Ectopic activation spreads through muscle, not the conduction system: slow, but over the
    # whole mass of both ventricles, so large (2-4 mV), as tall as hypertrophied beats.
    size = 2.5 * heart.qrs_scale * max(heart.wall_gain, 1.0) * heart.voltage_scale
    first = np.asarray(focus)
    second = unit(*(first + 0.6 * unit(first[1], -first[0], 0.5)))
    complex_waves = [
        _component(onset, qrs, 0.0, 0.25, 0.2, size * first),
        _component(onset, qrs, 0.35, 0.3, 0.35, 0.8 * size * second),
    ]
    direction = mean_vector(complex_waves)
    direction = direction / np.linalg.norm(direction)
    t_onset = onset + qrs + 0.1 * (qt - qrs)
    t_length = 0.9 * (qt - qrs)
    t_wave = Wave(
        t_onset,
        0.55 * t_length,
        0.45 * t_length,
        tuple(-0.5 * size * direction),
    )
    return [*complex_waves, t_wave]
