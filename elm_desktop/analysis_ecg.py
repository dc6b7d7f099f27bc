"""Layer 5 for a 12-lead ECG: one call from an ECG file to the scores the reviewer sees.

:func:`analyze_ecg` reads the file (:func:`~elm_desktop.signals.ecg.read_ecg`: WFDB, EDF,
HL7 aECG, GE MUSE XML), cuts it into the model's 10 s windows at 500 Hz
(:func:`~elm_desktop.signals.ecg.model_input.ecg_model_input`), encodes them with an ECG bundle
(``"modality": "ecg"``), and scores the ECG knowledge base (``ecg_phenotypes.toml``, the
bundle's entries and the user's ``ecg_phenotypes.toml`` merged over it) and the caller's
free-text prompts exactly as the EEG side does (:func:`~elm_desktop.clinical.score_findings`),
into the same :class:`~elm_desktop.analysis.AnalysisResult`. The windows play the part of crops.
What the reader found wrong with the file (a lead that carries another's signal, reordered
leads) comes first in the result's notice. The draft is an ECG report
(:func:`~elm_desktop.clinical.ecg_report.draft_ecg_report`: the rate measured from the QRS
complexes of all 12 leads, then only the findings the scores support over their calibrated
thresholds), and
the similar cases come from an archive of the same ECG model
(:func:`~elm_desktop.analysis.search_archive`): an archive of EEG embeddings gives none. When the
bundle carries a familiarity reference of its training ECGs, the record is placed against it as
an EEG is (:func:`~elm_desktop.clinical.familiarity.assess`, with the ECG signal profile): an ECG
unlike the training data says so first in the notice, and its draft withholds the findings.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from elm_desktop.analysis import (
    RECORDING_ID_DIGITS,
    AnalysisResult,
    bundle_familiarity,
    provenance,
    search_archive,
)
from elm_desktop.archive import Archive, content_hash
from elm_desktop.archive.ingest import model_id
from elm_desktop.clinical import (
    KnowledgeBase,
    check_prompt,
    load_knowledge_base,
    prompt_contrast,
    prompt_curve,
    score_findings,
)
from elm_desktop.clinical.ecg_report import (
    STANDARD_ECG_S,
    EcgFacts,
    as_sentence,
    draft_ecg_report,
    implausible_voltages,
)
from elm_desktop.clinical.familiarity import (
    Familiarity,
    crop_profile,
    profile_band_power,
    signal_profile,
)
from elm_desktop.clinical.knowledge import PromptStyle
from elm_desktop.clinical.prompt_cache import prompt_bank
from elm_desktop.errors import BundleError
from elm_desktop.paths import RESOURCES, data_dir
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.runtime import Engine
from elm_desktop.signals.ecg import read_ecg
from elm_desktop.signals.ecg.flutter import flutter_conduction
from elm_desktop.signals.ecg.model_input import ecg_model_input
from elm_desktop.signals.modality import get_modality
from elm_desktop.signals.time_labels import start_time_of_day


def ecg_knowledge_base(model_path: str | Path | None = None) -> KnowledgeBase:
    """The ECG findings: built-in, then a bundle's entries, then the user's file."""
    modality = get_modality("ecg")
    return load_knowledge_base(
        RESOURCES / modality.knowledge_file,
        user_path=data_dir() / modality.knowledge_file,
        model_path=model_path,
    )


def analyze_ecg(
    path: str | Path,
    engine: Engine,
    prompts: Sequence[str] = (),
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    knowledge_base: KnowledgeBase | None = None,
    prompt_style: PromptStyle | None = None,
    archive: Archive | None = None,
) -> AnalysisResult:
    """Analyse one 12-lead ECG file with an ECG model bundle.

    Parameters
    ----------
    path : path-like
        A WFDB header, EDF/BDF, HL7 aECG or GE MUSE XML file.
    engine : Engine
        An ECG bundle's engine.
    prompts : sequence of str
        Free-text prompts to score.
    progress, cancel
        As for :func:`~elm_desktop.analysis.analyze`.
    knowledge_base : KnowledgeBase, optional
        Default: :func:`ecg_knowledge_base` with the bundle's entries.
    prompt_style : {"knowledge", "plain"}, optional
        Default: the knowledge base's style.
    archive : Archive, optional
        Prior ECG cases of the same model to search; no similar cases without one.

    Raises
    ------
    BundleError
        The bundle is not an ECG model.
    RecordingError
        The file cannot be read as a 12-lead ECG.
    EmptyPromptError
        A prompt is empty.
    """
    started = time.perf_counter()
    bundle = engine.bundle
    if bundle.modality != "ecg":
        raise BundleError(
            f"model {bundle.name} reads {bundle.modality.upper()}, not ECG: choose an ECG model "
            "bundle (elm-desktop model export of an ECG checkpoint)"
        )
    prompts = [check_prompt(p) for p in prompts]
    kb = knowledge_base if knowledge_base is not None else ecg_knowledge_base(bundle.phenotypes)
    timings: dict[str, float] = {}
    ecg = read_ecg(path)
    windows = ecg_model_input(ecg.samples_mv, ecg.sfreq, bundle.manifest.get("normalisation", "mv"))
    timings["open"] = time.perf_counter() - started
    if cancel is not None:
        cancel.check()
    mark = time.perf_counter()
    style = prompt_style or kb.prompt_style
    bank = prompt_bank(engine, kb, style)
    timings["prompts"] = time.perf_counter() - mark
    mark = time.perf_counter()
    encoding = engine.encode(windows, progress=progress, cancel=cancel)
    timings["encode"] = time.perf_counter() - mark
    mark = time.perf_counter()
    window_s = float(bundle.window_s)
    starts = np.arange(len(windows), dtype=np.float64) * window_s
    sha = content_hash(path)
    notices = [as_sentence(warning) for warning in ecg.warnings]
    if ecg.duration < STANDARD_ECG_S - 0.5:  # whatever the model calls it (a trial: a 1 s file)
        notices.append(
            f"This ECG lasts only {ecg.duration:.1f} s, under the standard {STANDARD_ECG_S:g} s: "
            "its rhythm and measurements rest on a few beats."
        )
    if bank is None:
        notices.append("This ECG model has no text projector: no scores or prompts.")
    result = AnalysisResult(
        path=Path(path),
        file_sha256=sha,
        recording_id=sha[:RECORDING_ID_DIGITS],
        provenance=provenance(bundle.manifest),
        model=model_id(engine),
        window_s=window_s,
        duration_s=ecg.duration,
        start_time_of_day=start_time_of_day(ecg.start),
        modality=get_modality("ecg").name,
        sfreq=ecg.sfreq,
        channels=tuple(ecg.leads),
        crop_starts_s=starts,
        attention_logits=encoding.attention_logits,
        attention=np.asarray(encoding.attention_weights, np.float32),
        crop_embeddings=encoding.embeddings,
        recording_embedding=np.asarray(encoding.recording_embedding, np.float32),
        zero_shot=bank is not None,
        prompt_style=style if bank is not None else None,
        notice=" ".join(notices),
        prompt_contrast=None if bank is None else prompt_contrast(kb, bank),
        encoded_s=ecg.duration,
    )
    if bank is not None:
        temperature = float(bundle.temperature)
        result.findings = score_findings(
            kb,
            bank,
            result.crop_embeddings,
            result.recording_embedding,
            starts,
            window_s,
            temperature,
        )
        if prompts and result.prompt_contrast is not None:
            vectors = engine.embed_text(prompts)
            result.prompts = [
                prompt_curve(
                    p,
                    v,
                    result.prompt_contrast,
                    result.crop_embeddings,
                    result.recording_embedding,
                    starts,
                    window_s,
                    temperature,
                )
                for p, v in zip(prompts, vectors, strict=True)
            ]
    timings["score"] = time.perf_counter() - mark
    mark = time.perf_counter()
    result.familiarity = _familiarity(engine, windows, result)
    if result.familiarity is not None and result.familiarity.unfamiliar:
        # After misplaced leads (they explain an unfamiliar signal), before everything else.
        first = len(ecg.misplaced)
        # The provenance that leads every notice already says what the model was trained on.
        warning = result.familiarity.warning
        result.notice = " ".join([*notices[:first], warning, *notices[first:]])
    timings["familiarity"] = time.perf_counter() - mark
    mark = time.perf_counter()
    if archive is not None:
        search_archive(result, archive)
    timings["search"] = time.perf_counter() - mark
    mark = time.perf_counter()
    result.ecg_measurements = ecg.measurements
    # Voltages no heart makes (a file's units wrong): nothing measured is read, nor scored.
    implausible = implausible_voltages(ecg.measurements)
    facts = EcgFacts(
        duration_s=ecg.duration,
        sfreq=ecg.sfreq,
        leads=tuple(ecg.leads),
        source_format=ecg.source_format,
        peaks_s=np.asarray(ecg.qrs, np.float64) / ecg.sfreq,
        warnings=tuple(ecg.warnings),
        misplaced=tuple(ecg.misplaced),
        unreadable=ecg.unreadable,
        measurements=None if implausible else result.ecg_measurements,
        qrs_alike=ecg.qrs_alike,
        flutter=flutter_conduction(ecg.samples_mv, ecg.sfreq, ecg.qrs, ecg.measurements.qt_ms)
        if ecg.measurements is not None
        else None,
        unfamiliar=result.familiarity.statement
        if result.familiarity is not None and result.familiarity.unfamiliar
        else None,
        implausible=implausible,
    )
    result.draft = draft_ecg_report(
        facts, kb, result.model, result.findings if bank is not None else None
    )
    timings["draft"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    result.timings = timings
    result.complete = True
    if progress is not None:
        progress(1, 1, "done")
    return result


def _familiarity(engine: Engine, windows: np.ndarray, result: AnalysisResult) -> Familiarity | None:
    """Keep the windows' ECG signal profile and band power on ``result`` and place the ECG
    against the bundle's reference of its training ECGs, if it has one."""
    profile = signal_profile("ecg")
    result.crop_profiles = crop_profile(windows, profile)
    result.band_power = profile_band_power(windows, profile)
    return bundle_familiarity(engine, result, get_modality("ecg").model_channels, profile)
