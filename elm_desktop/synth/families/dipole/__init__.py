"""The ``dipole-spectral`` generator family: a second, independently designed model of EEG.

Cortical patches are current dipoles inside a sphere; their activity is 1/f noise made by
spectral synthesis, narrow-band rhythms are noisy Stuart-Landau oscillators (amplitude that
waxes, wanes and switches with the brain state), and every finding has its own waveform model.
Potentials are computed against infinity, then referenced as a real amplifier does (linked
ears, common average or Cz), filtered by an amplifier's hardware filters, and written at 200,
250, 256, 500 or 512 Hz with TUH, 10-20 or 10-10 channel names. Reports are written by a
writer of its own (other sections, other order, other sentences).
"""
