"""The ``neural-mass`` generator family: a third, independently designed model of EEG.

Cortex is a network of columns (one per cortical patch). Ongoing activity is the linearised
response of each column's populations to noisy afferent drive: damped resonances (delta, theta,
alpha, sigma, beta) whose drive and damping change with the brain state, made coherent by
cortico-cortical coupling. Paroxysmal activity is the nonlinear Jansen-Rit column pushed
across its bifurcations: a brief depolarising input gives a spike and its slow wave, a raised
excitatory gain gives 3 Hz spike-and-wave, a path of gain and input gives a seizure that slows
as it evolves, and switching the input gives burst suppression. Columns reach the scalp through
a spherical-harmonic lead field (skull smearing as a diffusion on the sphere). Artifacts (eyes,
muscle, electrode pops, ECG, mains) are modelled from their own sources. Recordings are written
at 200-512 Hz against linked ears, the common average or Cz, with TUH, 10-20 or 10-10 names, and
reports by a reader of its own.
"""
