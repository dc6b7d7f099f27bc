"""What each modality of the registry runs above the signals layer, chosen by a recording's modality.

:data:`elm_desktop.signals.modality.MODALITIES` says how a file of each modality is read and
what its model input, knowledge base, bundle and archive are. :data:`ANALYSES` adds, under the
same names, the analysis that turns a recording into scores, a draft and similar cases, for
``elm-desktop analyze`` and the window. A new modality is an entry in both, not a fork of the
commands that use them::

    entry = analysis_for(detect_modality(path))
    result = entry.analyze(path, Engine(Bundle.load(entry.default_bundle)), prompts=["..."])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elm_desktop.analysis import AnalysisResult, analyze
from elm_desktop.analysis_ecg import analyze_ecg, ecg_knowledge_base
from elm_desktop.clinical.html import eeg_figures
from elm_desktop.clinical.html_ecg import ecg_figures
from elm_desktop.clinical.knowledge import KnowledgeBase, load_knowledge_base
from elm_desktop.clinical.muscle_artifact import muscle_words
from elm_desktop.clinical.posterior_rhythm import rhythm_words
from elm_desktop.clinical.signal_features import signal_words
from elm_desktop.paths import RESOURCES
from elm_desktop.signals import read_header
from elm_desktop.signals.modality import Modality, get_modality


@dataclass(frozen=True)
class ModalityAnalysis:
    """The analysis of one modality.

    Attributes
    ----------
    modality : Modality
        The signals layer's entry of the same name.
    analyze : callable
        ``(path, engine, *, archive, prompts, progress, cancel, prompt_style) -> AnalysisResult``.
    check_file : callable
        Path -> anything; raises :class:`~elm_desktop.errors.RecordingError` for a file that
        cannot be analysed, quickly, before a model is loaded.
    html_figures : callable
        ``(path, summary) -> list of str``: the HTML page's blocks drawn from the file itself
        (the EEG's top segments as traces, the ECG's tracing on paper and ST per lead).
    measured_lines : callable
        AnalysisResult -> lines that say what was measured in the signal itself (the EEG's
        posterior rhythm and muscle artifact, the ECG's median beat), for ``analyze``'s text.
    knowledge_base : callable
        ``(model_path=None) -> KnowledgeBase``: the findings its model scores, built-in, then a
        bundle's entries (its calibrated thresholds), then the user's file.
    report_template : str
        The sign-off template a reviewer's report of such a recording starts from
        (``resources/report_templates/<name>.toml``).
    """

    modality: Modality
    analyze: Callable[..., AnalysisResult]
    check_file: Callable[[Path], object]
    html_figures: Callable[[Path, Mapping[str, Any]], list[str]]
    measured_lines: Callable[[AnalysisResult], list[str]]
    knowledge_base: Callable[..., KnowledgeBase]
    report_template: str

    @property
    def name(self) -> str:
        return self.modality.name

    @property
    def default_bundle(self) -> Path:
        """The modality's shipped model bundle (package data, ``resources/models``)."""
        return RESOURCES / "models" / self.modality.default_bundle


def _eeg_measured(result: AnalysisResult) -> list[str]:
    return [
        f"posterior rhythm: {rhythm_words(result.posterior_rhythm)}",
        f"muscle artifact: {muscle_words(result.muscle_artifact)}",
        *(
            [f"measured in the signal: {signal_words(result.signal_features)}"]
            if result.signal_features is not None
            else []
        ),
    ]


def _eeg_knowledge_base(model_path: str | Path | None = None) -> KnowledgeBase:
    return load_knowledge_base(model_path=model_path)


def _ecg_measured(result: AnalysisResult) -> list[str]:
    beat = result.ecg_measurements
    return [f"median beat: {beat.summary() if beat is not None else 'not measured'}"]


ANALYSES: dict[str, ModalityAnalysis] = {
    "eeg": ModalityAnalysis(
        get_modality("eeg"),
        analyze,
        read_header,
        html_figures=eeg_figures,
        measured_lines=_eeg_measured,
        knowledge_base=_eeg_knowledge_base,
        report_template="routine-eeg",
    ),
    "ecg": ModalityAnalysis(
        get_modality("ecg"),
        analyze_ecg,
        get_modality("ecg").open,
        html_figures=ecg_figures,
        measured_lines=_ecg_measured,
        knowledge_base=ecg_knowledge_base,
        report_template="resting-ecg",
    ),
}


def analysis_for(name: str) -> ModalityAnalysis:
    """Return the analysis of a modality of the registry.

    Raises
    ------
    ConfigError
        For an unknown name (:func:`~elm_desktop.signals.modality.get_modality`'s message,
        which lists the known ones).
    """
    return ANALYSES[get_modality(name).name]
