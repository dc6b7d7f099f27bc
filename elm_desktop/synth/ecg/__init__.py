"""Synthetic 12-lead ECG with reports and measured ground truth (``elm-desktop synth --modality ecg``).

A cardiac dipole model (:mod:`~elm_desktop.synth.ecg.heart`) renders the beats of each record
(:mod:`~elm_desktop.synth.ecg.beats`, :mod:`~elm_desktop.synth.ecg.rhythm`) onto the nine
electrodes, the recording conditions are added there
(:mod:`~elm_desktop.synth.ecg.artifacts`), and the corpus is written as WFDB records (and
EDF+ / HL7 aECG) with a manifest (:mod:`~elm_desktop.synth.ecg.corpus`).
"""

from elm_desktop.synth.ecg.corpus import MANIFEST_NAME, generate_ecg_corpus, read_ecg_manifest
from elm_desktop.synth.ecg.plan import ECG_FINDINGS

__all__ = ["ECG_FINDINGS", "MANIFEST_NAME", "generate_ecg_corpus", "read_ecg_manifest"]
