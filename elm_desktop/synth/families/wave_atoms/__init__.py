"""The ``wave-atoms`` generator family: a fourth, independently designed model of EEG.

EEG here is shot noise: a fractional-Gaussian-noise floor (Hurst exponent drawn per patient,
Davies-Harte circulant embedding) plus trains of short waveform *atoms* dropped at random
times, each with a shape of its own (non-sinusoidal Gabor bursts for the posterior rhythm, mu
and beta; polymorphic chirps for delta and theta; gamma-function spikes, spike-and-wave
complexes, triphasic waves, spindles, K-complexes) and a scalp footprint that is a von
Mises-Fisher spot on the unit sphere around its source. Findings are atoms of their own kind
or changes of the atoms' rates, sizes and places. Recordings are written at 200-512 Hz against
linked ears, the common average or Cz, with TUH, 10-20 or 10-10 names, and reported by a
reader of its own (a US academic layout, ``IMPRESSION`` and ``CLINICAL CORRELATION``).
"""
