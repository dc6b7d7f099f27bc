"""Electrodes that recorded nothing: flat or disconnected in the file as recorded.

A bipolar derivation through a dead electrode is not flat (with T3 dead, T3-T5 is T5 against the
reference), so the derivations' own power does not show it, while every derivation through it
is wrong and a finding can be drawn on the wrong side (a new-user trial: O1 and T3 zeroed in a
normal recording gave left occipital slowing and right temporal attenuation, unflagged). The
file's referential signals show it: an electrode far quieter than the others.

The electrode the file is referenced to is flat by construction while every derivation stays
right; a flat Cz (a vertex reference, one of the references the program reads) is therefore
never named.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from elm_desktop.signals.recording import Recording

#: Windows read, evenly spaced over the recording, and their length in seconds.
WINDOWS = 12
WINDOW_S = 5.0
#: An electrode this many times quieter (RMS) than the recording's typical live electrode
#: (the 75th percentile: most may be dead) is flat; as the familiarity check's flat derivations
#: (two decades of power).
FLAT_RATIO = 10.0
#: Under this RMS (volts) an electrode is flat whatever the others do (an all-zero file).
FLAT_RMS_V = 0.1e-6
#: The electrode among those the montage reads that a recording may be referenced to.
VERTEX_REFERENCE = "Cz"


def flat_electrodes(rec: Recording, electrodes: Sequence[str]) -> list[str]:
    """The electrodes of ``electrodes`` that recorded (next to) nothing.

    Parameters
    ----------
    rec : Recording
    electrodes : sequence of str
        Canonical names, all in ``rec.electrodes``.

    Returns
    -------
    list of str
        Those whose median RMS over :data:`WINDOWS` windows (each less its mean) is
        :data:`FLAT_RATIO` times under the 75th percentile electrode's, or under
        :data:`FLAT_RMS_V`, in ``electrodes`` order, :data:`VERTEX_REFERENCE` left out.
    """
    length = min(WINDOW_S, rec.duration)
    starts = np.linspace(0.0, rec.duration - length, WINDOWS)
    rms = []
    for start in starts:
        x = rec.read(start, start + length, electrodes)
        rms.append(np.sqrt(np.mean((x - x.mean(axis=1, keepdims=True)) ** 2, axis=1)))
    level = np.median(np.array(rms), axis=0)
    floor = max(np.percentile(level, 75) / FLAT_RATIO, FLAT_RMS_V)
    return [
        e for e, v in zip(electrodes, level, strict=True) if v < floor and e != VERTEX_REFERENCE
    ]
