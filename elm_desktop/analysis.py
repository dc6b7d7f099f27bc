"""Layer 5: one call from a recording file to everything the reviewer sees beside the traces.

:func:`analyze` opens the file, streams the ELM input block by block through the engine (so a
24-hour recording never sits in memory at once), and hands partial results to ``on_partial``
so that attention and scores can be drawn while the rest is encoded: first a preview of the first
minute, preprocessed on its own, then one after each block. At the end it pools the crops with
the attention weights, scores the phenotype knowledge base zero-shot, scores the caller's
free-text prompts, searches the archive for similar cases and their report segments, and writes
the draft report. When the bundle carries a report generator, :func:`generate_draft` has it write
a draft beside the assembled one, every sentence checked against the recording's evidence
(zero-shot scores, recorded procedures, the measured posterior rhythm;
:mod:`elm_desktop.clinical.draft_check`), and none for a recording not typical enough of the
training data; the GUI streams it instead.

A model without a text tower (an EEG-only bundle, such as the authors' released weights) gives
everything except zero-shot scores and prompt curves; :attr:`AnalysisResult.notice` says so.

:func:`score_prompt` answers a new free-text prompt on a finished result from its cached crop
embeddings: one text embedding and one matrix-vector product.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from elm_desktop.archive import Archive, RecordingHit, SegmentHit, content_hash
from elm_desktop.archive.ingest import model_id
from elm_desktop.clinical import (
    DraftReport,
    FindingScore,
    KnowledgeBase,
    PromptBank,
    PromptContrast,
    PromptCurve,
    RecordingFacts,
    Segment,
    check_prompt,
    draft_report,
    load_knowledge_base,
    prompt_contrast,
    prompt_curve,
    score_findings,
)
from elm_desktop.clinical.draft_check import (
    GeneratedDraft,
    checked_generation,
    withheld_generation,
)
from elm_desktop.clinical.event_shape import unlike_an_event
from elm_desktop.clinical.familiarity import (
    Familiarity,
    FamiliarityReference,
    SignalProfile,
    assess,
    crop_profile,
)
from elm_desktop.clinical.knowledge import PromptStyle
from elm_desktop.clinical.localise import Location, crop_band_power, localise, without_asymmetry
from elm_desktop.clinical.muscle_artifact import (
    ARTIFACT,
    MuscleArtifact,
    crop_muscle_power,
    measured_artifact_score,
    muscle_artifact,
    with_crop_index,
)
from elm_desktop.clinical.photic_driving import (
    PHOTIC_DRIVING,
    PhoticDriving,
    measured_driving_score,
    recording_driving,
)
from elm_desktop.clinical.posterior_rhythm import (
    PosteriorRhythm,
    crop_posterior_spectra,
    posterior_rhythm,
    rhythm_sentence,
)
from elm_desktop.clinical.procedures import (
    ProcedureEvidence,
    evidence_within_procedures,
    recorded_procedures,
    seen_only_during,
)
from elm_desktop.clinical.prompt_cache import prompt_bank
from elm_desktop.clinical.record_score import DRIVING_MEASURE, MUSCLE_MEASURE
from elm_desktop.clinical.report import not_ruled_out, unsupported_holds, weak_support
from elm_desktop.clinical.sharp_transients import (
    crop_sharpness,
    crop_transient_parts,
    generalized_transients,
    sharpest_segments,
    unsupported_absences,
)
from elm_desktop.clinical.signal_features import (
    FEATURE_NAMES,
    crop_spectrum,
    crop_transients,
    crop_window_rms,
    recording_features,
    without_suppression,
)
from elm_desktop.clinical.zeroshot import top_segments
from elm_desktop.errors import BundleError
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.runtime import Engine, attention_weights, recording_embedding
from elm_desktop.runtime.draft_generator import BundleGenerator, parse_sections
from elm_desktop.signals import (
    ELM_CHANNELS,
    ELM_SFREQ,
    Recording,
    elm_input_head,
    iter_elm_input,
    open_recording,
)
from elm_desktop.signals.ecg.measurements import EcgMeasurements
from elm_desktop.signals.flat_electrodes import flat_electrodes
from elm_desktop.signals.heart_rate import measure_heart_rate
from elm_desktop.signals.photic import flash_trains
from elm_desktop.signals.preprocess import elm_electrodes
from elm_desktop.signals.time_labels import start_time_of_day
from elm_desktop.version import producer

#: Seconds of recording preprocessed per block: small enough for first results within a second,
#: large enough that the filter margins of each block cost little.
BLOCK_S = 300.0
#: Seconds of a longer recording previewed before the whole-file first pass of the
#: preprocessing: the first partial result comes from them.
PREVIEW_S = 60.0
SIMILAR_CASES = 5
REPORT_SEGMENTS = 40
#: Hex digits of the file's SHA-256 that make its opaque id in exports.
RECORDING_ID_DIGITS = 12
NO_PROVENANCE = "training data not stated"
NO_TEXT_NOTICE = (
    "This model has no text projector, so zero-shot scores, prompt curves and drafted findings "
    "are not available: train one on local reports with `elm-desktop adapt`."
)

PartialCallback = Callable[["AnalysisResult"], None]


@dataclass
class AnalysisResult:
    """Everything :func:`analyze` found about one recording; plain data and numpy arrays.

    Attributes
    ----------
    path : Path
        The recording file.
    file_sha256 : str
        SHA-256 of the file's bytes (the archive's content hash): what exports and saved drafts
        are keyed by.
    recording_id : str
        An opaque id that names the recording in exports instead of its file name: the first
        12 hex digits of ``file_sha256``.
    provenance : str
        The bundle's statement of what the model was trained on (its manifest's
        ``training_data``), or "training data not stated".
    model : str
        Name and version of the model bundle.
    window_s : float
        Crop length in seconds.
    duration_s, sfreq : float
        Length and native sampling rate of the recording.
    channels : tuple of str
        EEG electrodes of the file.
    crop_starts_s : numpy.ndarray
        float64 [n_crops], start of each crop in seconds.
    attention_logits : numpy.ndarray
        float32 [n_crops], the gated-attention logit of each crop.
    attention : numpy.ndarray
        float32 [n_crops], attention weights (softmax of the logits over the crops so far; they
        sum to 1). These are what the traces highlight.
    crop_embeddings : numpy.ndarray
        float32 [n_crops, dim], L2-normalised.
    recording_embedding : numpy.ndarray
        float32 [dim], attention-weighted and L2-normalised.
    band_power : numpy.ndarray
        float32 [n_crops, 20, 4], log10 power of each crop's derivations in the delta, theta,
        alpha and beta bands (:func:`~elm_desktop.clinical.localise.crop_band_power`); for an
        ECG [n_windows, 12, 4] in the ECG profile's bands (0.5-5, 5-15, 15-40, 40-150 Hz).
    crop_profiles : numpy.ndarray
        float32 [n_crops, p], what each crop's signal looks like
        (:func:`~elm_desktop.clinical.familiarity.crop_profile` with the modality's profile),
        for the familiarity check.
    locations : dict of str to Location
        Side and region of each lateralised finding, from ``band_power`` in the crops where the
        finding's own curve is above its median, weighted by how far
        (:func:`~elm_desktop.clinical.localise.localise`); empty without a text tower.
    findings : list of FindingScore
        Zero-shot score of every knowledge-base finding; empty without a text tower.
    prompts : list of PromptCurve
        Curves of the free-text prompts; empty without a text tower.
    similar_cases : list of RecordingHit
        Most similar archived recordings, best first (empty without an archive).
    report_segments : list of SegmentHit
        Archived report segments nearest to this recording, best first.
    draft : DraftReport or None
        The draft report; None in partial results.
    generated : GeneratedDraft or None
        The bundle's report generator's draft, each sentence checked; None without a
        generator, in partial results, or when the caller streams it (:func:`generate_draft`).
    timings : dict of str to float
        Seconds spent per stage: ``open``, ``prompts`` (embedding the knowledge base's prompts,
        once per engine), ``encode`` (preprocessing and encoding), ``score``, ``search``,
        ``draft``, ``total``; ``first_partial`` (from the call) when a partial was delivered.
    complete : bool
        False for partial results delivered while encoding.
    encoded_s : float
        How much of the recording has been encoded, in seconds.
    zero_shot : bool
        Whether the model could score text (it has a text tower).
    prompt_style : str or None
        Which prompts scored the findings (``"knowledge"`` or ``"plain"``); None without zero-shot.
    notice : str or None
        What is missing and why (e.g. no text projector, an archive of another model).
    prompt_contrast : PromptContrast or None
        What free-text prompts are scored against (:func:`score_prompt`); None without a text
        tower.
    familiarity : Familiarity or None
        How far the recording lies from the model's training data; None in partial results
        and for a bundle without a familiarity reference.
    procedures : tuple of ProcedureEvidence
        The activation procedures and states the recording shows (``hyperventilation``,
        ``photic stimulation``, ``sleep``), with where it marks them
        (:func:`~elm_desktop.clinical.procedures.recorded_procedures`).
    start_time_of_day : str or None
        The time of day of the first sample (``hh:mm:ss``, never the date), None when the file
        has no start time.
    modality : str
        The registry's name of the recording's modality (``"eeg"``, ``"ecg"``).
    posterior_rhythm : PosteriorRhythm or None
        The posterior dominant rhythm measured in the crops (what a generated draft's stated
        frequency is checked against); None for an ECG.
    muscle_artifact : MuscleArtifact or None
        Muscle artifact measured in the temporal derivations (what a generated draft's muscle
        artifact is checked against, and what a generator trained with it reads); None for an
        ECG.
    signal_features : numpy.ndarray or None
        Quantitative EEG features of the whole recording, in the order of
        :data:`~elm_desktop.clinical.signal_features.FEATURE_NAMES` (what the record score's
        signal model reads); None for an ECG.
    photic_driving : PhoticDriving or None
        The driving response measured at the flash rates the recording gives
        (:mod:`~elm_desktop.clinical.photic_driving`); where it is measured, it is the photic
        driving score. None where nothing could be measured (no photic stimulation at a known
        rate of 4-30 Hz covering a crop, or too little recording outside it), and for an ECG.
    ecg_measurements : EcgMeasurements or None
        An ECG's intervals, axis, voltages, ST levels and early or unlike beats, measured on
        its median beat (what the ECG draft states and checks the model's findings against);
        None for an EEG, and for an ECG that could not be measured.
    only_during : dict of str to str
        Finding id -> the procedure it was seen only during, one that can look like it
        (:func:`~elm_desktop.clinical.procedures.seen_only_during`): both drafts say so beside
        the finding.
    unsupported_absences : dict of str to str
        Finding id -> why the recording does not support its absence (generalized sharp
        transients, :func:`~elm_desktop.clinical.sharp_transients.unsupported_absences`):
        neither draft denies it.
    unshown : dict of str to str
        Finding id -> why the recording does not show a finding its score calls present (an
        attenuation or slowing without an asymmetry,
        :func:`~elm_desktop.clinical.localise.without_asymmetry`;
        burst suppression in a record mostly not suppressed,
        :func:`~elm_desktop.clinical.signal_features.without_suppression`): neither draft
        states it.
    """

    path: Path
    file_sha256: str
    recording_id: str
    provenance: str
    model: str
    window_s: float
    duration_s: float
    sfreq: float
    channels: tuple[str, ...]
    crop_starts_s: np.ndarray
    attention_logits: np.ndarray
    attention: np.ndarray
    crop_embeddings: np.ndarray
    recording_embedding: np.ndarray
    band_power: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), np.float32))
    crop_profiles: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    locations: dict[str, Location] = field(default_factory=dict)
    findings: list[FindingScore] = field(default_factory=list)
    prompts: list[PromptCurve] = field(default_factory=list)
    similar_cases: list[RecordingHit] = field(default_factory=list)
    report_segments: list[SegmentHit] = field(default_factory=list)
    draft: DraftReport | None = None
    generated: GeneratedDraft | None = None
    timings: dict[str, float] = field(default_factory=dict)
    complete: bool = False
    encoded_s: float = 0.0
    zero_shot: bool = True
    prompt_style: str | None = None
    notice: str | None = None
    prompt_contrast: PromptContrast | None = None
    familiarity: Familiarity | None = None
    procedures: tuple[ProcedureEvidence, ...] = ()
    start_time_of_day: str | None = None
    modality: str = "eeg"
    posterior_rhythm: PosteriorRhythm | None = None
    muscle_artifact: MuscleArtifact | None = None
    signal_features: np.ndarray | None = None
    photic_driving: PhoticDriving | None = None
    ecg_measurements: EcgMeasurements | None = None
    only_during: dict[str, str] = field(default_factory=dict)
    unsupported_absences: dict[str, str] = field(default_factory=dict)
    unshown: dict[str, str] = field(default_factory=dict)

    @property
    def n_crops(self) -> int:
        """Number of crops encoded."""
        return len(self.crop_starts_s)

    def attended_segments(self, k: int = 3) -> list[Segment]:
        """Return the ``k`` crops with the highest attention weight, best first."""
        return top_segments(self.attention, self.crop_starts_s, self.window_s, k)

    @property
    def provenance_notice(self) -> str:
        """The sentence that says what the model was trained on."""
        return f"Model {self.model} was trained on: {self.provenance}."

    def to_dict(self, include_file_name: bool = False) -> dict[str, Any]:
        """Return every number the program shows, JSON-ready (no embeddings).

        Keys: ``program`` (name and version of the program that wrote it), ``recording``
        (opaque ``id``, ``sha256``, the time of day it started (never the date), duration, rate,
        channels; ``file``, the file name, only with ``include_file_name``), ``model``,
        ``provenance``, ``window_s``,
        ``zero_shot``, ``notice`` (always the model's provenance, then what is missing),
        ``crops`` (``start_s`` and ``attention`` per crop), ``attended_segments``, ``findings``
        (probability, threshold, present, per-crop probability, top segments), ``prompts``
        (recording probability, per-crop probability and similarity, top segments),
        ``similar_cases`` (never their file paths), ``familiarity``,
        ``report_segments``, ``posterior_rhythm`` (measured frequency, prominence, whether
        clear; None for an ECG), ``muscle_artifact`` (per-crop index, seconds in bursts,
        whether measured; None for an ECG), ``signal_features`` (the quantitative EEG features by
        name; None for an ECG), ``photic_driving`` (the largest ratio, its rate, the rates
        driven and not measured, trains measured, whether present; None where not measured),
        ``ecg_measurements`` (PR, QRS, QT, QTc, axis,
        voltages, ST levels, early and unlike beats; None for an EEG), ``draft`` (text, impression, reasons,
        held and unassessed findings, sections with each sentence's origin and
        provenance), ``generated_draft``
        (the generator's sections and each sentence's check; None without one) and ``timings``.
        """
        recording: dict[str, Any] = {"id": self.recording_id, "sha256": self.file_sha256}
        if include_file_name:
            recording["file"] = self.path.name
        recording |= {
            "modality": self.modality,
            "start_time_of_day": self.start_time_of_day,
            "duration_s": self.duration_s,
            "sfreq": self.sfreq,
            "channels": list(self.channels),
        }
        return {
            "program": producer(),
            "recording": recording,
            "model": self.model,
            "provenance": self.provenance,
            "window_s": self.window_s,
            "complete": self.complete,
            "zero_shot": self.zero_shot,
            "prompt_style": self.prompt_style,
            "notice": " ".join(filter(None, [self.provenance_notice, self.notice])),
            "familiarity": None
            if self.familiarity is None
            else asdict(self.familiarity) | {"unfamiliar": self.familiarity.unfamiliar},
            "crops": {
                "start_s": _floats(self.crop_starts_s),
                "attention": _floats(self.attention),
            },
            "attended_segments": [asdict(s) for s in self.attended_segments()],
            "findings": [
                {
                    "id": f.finding_id,
                    "label": f.label,
                    "probability": f.probability,
                    "measure": f.measure,
                    "parts": f.parts,
                    "threshold": f.threshold,
                    "present": f.present,
                    # Over its threshold is not stated: the draft may hold it or not assess it.
                    "stated": self.draft is not None and f.finding_id in self.draft.asserted,
                    "abnormal": f.abnormal,
                    "side": getattr(self.locations.get(f.finding_id), "side", None),
                    "region": getattr(self.locations.get(f.finding_id), "region", None),
                    "crop_probability": _floats(f.crop_probability),
                    "top_segments": [asdict(s) for s in f.top_segments],
                    "event_rise": f.event_rise,
                    "event_change": f.event_change,
                    # A record or finding score's own prompt, and why a present one is held.
                    "prompt_probability": f.prompt_probability,
                    "held": None if self.draft is None else self.draft.held.get(f.finding_id),
                }
                for f in self.findings
            ],
            "prompts": [
                {
                    "prompt": c.prompt,
                    "recording_probability": c.recording_probability,
                    "probability": _floats(c.probability),
                    "recording_similarity": c.recording_similarity,
                    "similarity": _floats(c.similarity),
                    "top_segments": [asdict(s) for s in c.top_segments],
                }
                for c in self.prompts
            ],
            "similar_cases": [
                {
                    "case_id": hit.case.case_id,
                    "score": hit.score,
                    # No other recording's path: a file name often names its patient.
                    "age": hit.case.metadata.age,
                    "sex": hit.case.metadata.sex,
                    "duration_s": hit.case.metadata.duration_s,
                    "report": hit.case.report,
                    "best_case_crop_start_s": hit.best_crop.case_start_s,
                    "best_query_crop": hit.best_crop.query_crop,
                    "best_crop_score": hit.best_crop.score,
                }
                for hit in self.similar_cases
            ],
            "report_segments": [asdict(s) for s in self.report_segments],
            "posterior_rhythm": None
            if self.posterior_rhythm is None
            else asdict(self.posterior_rhythm) | {"clear": self.posterior_rhythm.clear},
            "muscle_artifact": None
            if self.muscle_artifact is None
            else asdict(self.muscle_artifact),
            "signal_features": None
            if self.signal_features is None
            else dict(zip(FEATURE_NAMES, _floats(self.signal_features), strict=True)),
            "photic_driving": None
            if self.photic_driving is None
            else asdict(self.photic_driving) | {"present": self.photic_driving.present},
            "ecg_measurements": None
            if self.ecg_measurements is None
            else self.ecg_measurements.to_dict(),
            "draft": None if self.draft is None else _draft_dict(self.draft),
            "generated_draft": None if self.generated is None else self.generated.to_dict(),
            "timings": dict(self.timings),
        }

    def finding(self, finding_id: str) -> FindingScore:
        """Return the score of one finding; KeyError names the scored ones."""
        for score in self.findings:
            if score.finding_id == finding_id:
                return score
        raise KeyError(
            f"{finding_id!r} not scored; scored: {[s.finding_id for s in self.findings]}"
        )


def analyze(
    path: str | Path,
    engine: Engine,
    archive: Archive | None = None,
    prompts: Sequence[str] = (),
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    on_partial: PartialCallback | None = None,
    knowledge_base: KnowledgeBase | None = None,
    prompt_style: PromptStyle | None = None,
    generate: bool = True,
) -> AnalysisResult:
    """Analyse one recording.

    Parameters
    ----------
    path : path-like
        An EDF, EDF+ or BDF file holding the 20 TCP derivations' electrodes.
    engine : Engine
        The loaded model.
    archive : Archive, optional
        Prior cases to search; no similar cases and no archive sentences in the draft without.
    prompts : sequence of str
        Free-text prompts to score (see :func:`score_prompt`).
    progress : ProgressCallback, optional
        Called with (seconds encoded, seconds total, message).
    cancel : CancelToken, optional
        Checked between blocks; cancelling raises :class:`~elm_desktop.errors.CancelledError`.
    on_partial : callable, optional
        Called with a partial :class:`AnalysisResult` (``complete=False``), on the calling
        thread: first, when the recording needs resampling and holds more crops than its first
        :data:`PREVIEW_S` seconds, with those seconds preprocessed on their own (see
        :func:`~elm_desktop.signals.elm_input_head`); then after each block but the last that
        adds crops.
    knowledge_base : KnowledgeBase, optional
        The findings to score; by default the built-in base with the model bundle's entries
        (its calibrated thresholds) and then the user's merged over it.
    prompt_style : {"knowledge", "plain"}, optional
        Which positive prompts score the findings; by default the knowledge base's style (the
        one the model bundle's thresholds were calibrated for).
    generate : bool
        Have the bundle's report generator, if it has one, write ``result.generated``; False
        leaves it to the caller (the GUI streams it with :func:`generate_draft`).

    Returns
    -------
    AnalysisResult

    Raises
    ------
    RecordingError
        The file cannot be read or lacks electrodes of the model's montage.
    EmptyPromptError
        A prompt is empty or only whitespace (checked before any model work).
    CancelledError
        ``cancel`` was set.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    prompts = [check_prompt(p) for p in prompts]
    kb = (
        knowledge_base
        if knowledge_base is not None
        else load_knowledge_base(model_path=engine.bundle.phenotypes)
    )
    rec = open_recording(path)
    timings["open"] = time.perf_counter() - started
    window_s = float(engine.bundle.window_s)
    mark = time.perf_counter()
    style = prompt_style or kb.prompt_style
    bank = prompt_bank(engine, kb, style)
    timings["prompts"] = time.perf_counter() - mark
    encoder = _StreamingEncoder(engine, window_s)
    file_sha256 = content_hash(path)
    base = AnalysisResult(
        path=Path(path),
        file_sha256=file_sha256,
        recording_id=file_sha256[:RECORDING_ID_DIGITS],
        provenance=provenance(engine.bundle.manifest),
        model=model_id(engine),
        window_s=window_s,
        duration_s=rec.duration,
        sfreq=rec.sfreq,
        channels=rec.electrodes,
        start_time_of_day=start_time_of_day(rec.patient.meas_date),
        crop_starts_s=np.zeros(0),
        attention_logits=np.zeros(0, np.float32),
        attention=np.zeros(0, np.float32),
        crop_embeddings=np.zeros((0, 0), np.float32),
        recording_embedding=np.zeros(0, np.float32),
        zero_shot=bank is not None,
        prompt_style=style if bank is not None else None,
        # What the reader of a file's scores must know about the file itself comes first.
        notice=" ".join([*rec.warnings, *([] if bank is not None else [NO_TEXT_NOTICE])]) or None,
        prompt_contrast=None if bank is None else prompt_contrast(kb, bank),
    )
    total_s = rec.duration
    expected_crops = int(round(total_s * ELM_SFREQ)) // encoder.length
    mark = time.perf_counter()
    preview_s = max(PREVIEW_S, window_s)
    shown = 0  # crops in the last partial result: each one shows more
    # Resampling needs a whole-file pass (~1 s per hour) before its first block; the first minute
    # on its own takes milliseconds, and its crops differ from the final ones by ~1e-2 ELM units.
    # At 100 Hz nothing is resampled and the first block comes as fast.
    if (
        on_partial is not None
        and rec.sfreq != ELM_SFREQ
        and int(preview_s * ELM_SFREQ) // encoder.length < expected_crops
    ):
        if cancel is not None:
            cancel.check()
        preview = _StreamingEncoder(engine, window_s)
        preview.add(elm_input_head(rec, preview_s))
        if cancel is not None:
            cancel.check()
        partial = _assemble(base, preview, kb, bank, engine, ())
        timings["first_partial"] = time.perf_counter() - started
        on_partial(replace(partial, timings=dict(timings)))
        shown = preview.n_crops
    for block in _read_ahead(iter_elm_input(rec, chunk_s=BLOCK_S, cancel=cancel)):
        if cancel is not None:
            cancel.check()
        encoder.add(block)
        if progress is not None:
            progress(int(encoder.encoded_s), int(total_s), "encoding")
        if on_partial is not None and shown < encoder.n_crops < expected_crops:
            partial = _assemble(base, encoder, kb, bank, engine, ())
            timings.setdefault("first_partial", time.perf_counter() - started)
            on_partial(replace(partial, timings=dict(timings)))
            shown = encoder.n_crops
    timings["encode"] = time.perf_counter() - mark

    mark = time.perf_counter()
    result = _assemble(base, encoder, kb, bank, engine, prompts)
    dead = flat_electrodes(rec, elm_electrodes(rec))
    result.familiarity = bundle_familiarity(engine, result, dead=dead)
    if result.familiarity is not None and result.familiarity.unfamiliar:
        # The provenance that leads every notice already says what the model was trained on.
        note = result.familiarity.warning
        result.notice = f"{note} {result.notice}" if result.notice else note
    timings["score"] = time.perf_counter() - mark
    mark = time.perf_counter()
    if archive is not None:
        search_archive(result, archive)
    timings["search"] = time.perf_counter() - mark
    mark = time.perf_counter()
    flashes = flash_trains(rec, cancel)
    facts = RecordingFacts(
        duration_s=rec.duration,
        sfreq=rec.sfreq,
        channels=rec.electrodes,
        montage=f"{len(ELM_CHANNELS)}-channel longitudinal bipolar (TCP)",
        window_s=window_s,
        n_crops=result.n_crops,
        # A sleep score too weak where it was calibrated is no evidence of sleep.
        procedures=recorded_procedures(
            rec.annotations,
            [s for s in result.findings if not weak_support(kb, s.finding_id)]
            if bank is not None
            else None,
            window_s,
            flashes,
            rec.duration,
        ),
        unfamiliar=result.familiarity.statement
        if result.familiarity is not None and result.familiarity.unfamiliar
        else None,
        heart=_heart_summary(rec, cancel),
        posterior_rhythm=rhythm_sentence(result.posterior_rhythm),
    )
    result.procedures = facts.procedures
    result.photic_driving = recording_driving(
        np.concatenate(encoder.posterior_spectra),
        ELM_SFREQ,
        encoder.length,
        result.crop_starts_s,
        window_s,
        rec.annotations,
        flashes,
        facts.procedures,
        result.posterior_rhythm,
        result.findings,
    )
    if bank is not None and result.photic_driving is not None:
        result.findings = [
            measured_driving_score(s, result.photic_driving, result.crop_starts_s, window_s)
            if s.finding_id == PHOTIC_DRIVING
            else s
            for s in result.findings
        ]
    if bank is not None:
        evidence_within_procedures(
            result.findings, facts.procedures, result.crop_starts_s, window_s
        )
        result.only_during = seen_only_during(
            result.findings, facts.procedures, result.crop_starts_s, window_s
        )
    result.draft = draft_report(
        facts,
        kb,
        result.model,
        result.findings if bank is not None else None,
        result.report_segments,
        result.locations,
        result.only_during,
        result.unsupported_absences,
        result.unshown,
    )
    timings["draft"] = time.perf_counter() - mark
    if generate and engine.bundle.generator is not None:
        mark = time.perf_counter()
        result.generated = generate_draft(result, engine, kb, cancel=cancel)
        timings["generate"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    result.timings = timings
    result.complete = True
    if progress is not None:
        progress(int(total_s), int(total_s), "done")
    return result


_GENERATORS: dict[str, BundleGenerator] = {}
_GENERATORS_LOCK = threading.Lock()


def bundle_generator(engine: Engine) -> BundleGenerator | None:
    """The engine's bundle's report generator (loaded once per bundle), None without one."""
    entry = engine.bundle.generator
    if entry is None:
        return None
    with _GENERATORS_LOCK:
        key = engine.bundle.digest
        if key not in _GENERATORS:
            _GENERATORS[key] = BundleGenerator(engine.bundle.path, entry)
        return _GENERATORS[key]


#: A draft is generated only for recordings whose familiarity percentile (the share of
#: held-out training recordings closer to the training data) is at most this: a stricter bar
#: than the scores' warning (0.97), for a generated text states findings outright. Chosen on
#: validation recordings (``benchmarks/celm_long_recordings.py``): with the warning alone the
#: demo generator of the time drafted 26 of 200 recordings of the two unseen generator
#: families, 75 % of their findings false; at 0.80 none of them, and 76 of 100 of its own
#: family's val recordings.
GENERATION_MAX_PERCENTILE = 0.80


def generate_draft(
    result: AnalysisResult,
    engine: Engine,
    knowledge_base: KnowledgeBase,
    on_text: Callable[[str], None] | None = None,
    cancel: CancelToken | None = None,
    max_percentile: float = GENERATION_MAX_PERCENTILE,
) -> GeneratedDraft | None:
    """Have the bundle's report generator draft a finished result, each sentence checked.

    Parameters
    ----------
    result : AnalysisResult
        A complete result of ``engine``'s bundle.
    engine : Engine
    knowledge_base : KnowledgeBase
        The knowledge base the result was scored with (terms and thresholds of the check).
    on_text : callable, optional
        Called with the draft's text decoded so far (section JSON) after each token.
    cancel : CancelToken, optional
        Stops decoding at the next token; the draft then says it is unfinished.
    max_percentile : float
        The familiarity percentile above which no draft is generated (measurements vary it).

    Returns
    -------
    GeneratedDraft or None
        None when the bundle has no generator; a withheld draft (no text, the reason) when
        the recording is unlike the model's training data, or less typical of it than
        ``max_percentile``, when the generator reads what the analysis did not measure (the
        muscle artifact, finding scores scored otherwise than it was trained on), or when
        the bundle's generator cannot be loaded.
    """
    try:
        generator = bundle_generator(engine)
    except BundleError as error:  # the analysis stands without it
        return withheld_generation(str(error), "report generator")
    if generator is None:
        return None
    name = str(generator.entry.get("source", {}).get("checkpoint", "report generator"))
    familiarity = result.familiarity
    if familiarity is not None and familiarity.unfamiliar:
        return withheld_generation(familiarity.statement, name)
    if familiarity is not None and familiarity.percentile > max_percentile:
        return withheld_generation(
            f"this recording is less typical of the model's training data than "
            f"{familiarity.percentile:.1%} of its held-out training recordings; drafts are "
            f"generated only within the most typical {max_percentile:.0%}.",
            name,
        )
    crops = result.crop_embeddings
    if generator.entry.get("measured_muscle"):
        if result.muscle_artifact is None:
            return withheld_generation(
                "the report generator reads the measured muscle artifact, and this recording "
                "has none measured.",
                name,
            )
        crops = with_crop_index(crops, result.muscle_artifact)
    limit = int(generator.entry.get("crops", len(crops)))
    if len(crops) > limit:  # evenly spaced, as many as the generator was trained on
        crops = crops[np.linspace(0, len(crops) - 1, limit).round().astype(int)]
    # A generator that reads scores was trained on the model's own, measured ones' prompts.
    read = {f.finding_id: f.model_score for f in result.findings}
    read_probabilities = {f: p for f, (p, _) in read.items()}
    read_thresholds = {f: t for f, (_, t) in read.items()}
    problem = generator.score_problem(read_probabilities, read_thresholds, result.prompt_style)
    if problem is not None:
        return withheld_generation(problem, name)
    text, finished = generator.stream(
        crops,
        on_text,
        None if cancel is None else lambda: cancel.cancelled,
        generator.margins(read_probabilities, read_thresholds),
    )
    # The check holds a sentence to the measured photic driving; the measured muscle speaks
    # for muscle artifact only (held to the measurement itself), so other artifact words keep
    # the prompt's own score.
    checked = {
        f.finding_id: f.model_score if f.measure == MUSCLE_MEASURE else (f.probability, f.threshold)
        for f in result.findings
    }
    probabilities = {f: p for f, (p, _) in checked.items()}
    thresholds = {f: t for f, (_, t) in checked.items()}
    return checked_generation(
        parse_sections(text),
        probabilities,
        knowledge_base,
        finished,
        name,
        result.procedures,
        result.posterior_rhythm,
        result.muscle_artifact,
        thresholds,
        result.only_during,
        not_ruled_out(result.findings, knowledge_base)
        | unlike_an_event(result.findings)
        | result.unshown
        | unsupported_holds(result.unsupported_absences),
        {finding_id: location.side for finding_id, location in result.locations.items()},
        {f.finding_id: [(s.start_s, s.end_s) for s in f.top_segments] for f in result.findings},
        result.draft.asserted if result.draft is not None else (),
        _seconds_of_day(result.start_time_of_day),
        [f.finding_id for f in result.findings if f.measure == DRIVING_MEASURE],
    )


def _seconds_of_day(clock: str | None) -> float | None:
    """Seconds after midnight of an ``hh:mm:ss`` time of day; None when unknown."""
    if not clock:
        return None
    hours, minutes, seconds = clock.split(":")
    return 3600.0 * int(hours) + 60.0 * int(minutes) + float(seconds)


def _heart_summary(rec: Recording, cancel: CancelToken | None) -> str | None:
    """The EKG channel's one-line summary for the draft; None without an EKG."""
    heart = measure_heart_rate(rec, cancel=cancel)
    return heart.summary() if heart is not None else None


def provenance(manifest: Mapping[str, Any]) -> str:
    """What a bundle's manifest says its model was trained on, never empty."""
    return str(manifest.get("training_data") or "").strip() or NO_PROVENANCE


def bundle_familiarity(
    engine: Engine,
    result: AnalysisResult,
    channels: Sequence[str] = tuple(ELM_CHANNELS),
    profile: SignalProfile | None = None,
    dead: Sequence[str] = (),
) -> Familiarity | None:
    """Place the recording against the bundle's reference of its training data, if it has one.

    ``channels`` and ``profile`` are those of ``result.band_power`` and ``result.crop_profiles``
    (default the EEG input's; :mod:`elm_desktop.analysis_ecg` passes the ECG's);
    ``dead`` the electrodes flat in the file as recorded.
    """
    path = engine.bundle.file("familiarity")
    if path is None:
        return None
    return assess(
        FamiliarityReference.load(path),
        result.crop_embeddings,
        result.crop_profiles,
        result.band_power,
        channels,
        result.provenance,
        profile,
        dead,
    )


def score_prompt(result: AnalysisResult, engine: Engine, prompt: str) -> PromptCurve:
    """Score a free-text prompt on an analysed recording from its cached crop embeddings.

    The prompt is scored as the built-in findings are (against the normal-record contrast,
    through the model's temperature): a recording probability and a per-crop probability
    curve whose peaks are its top segments.

    Raises
    ------
    EmptyPromptError
        The prompt is empty or only whitespace (before any model work).
    BundleError
        The model has no text tower.
    """
    text = check_prompt(prompt)
    if result.prompt_contrast is None:
        raise BundleError(
            f"model {result.model} is EEG-only (no text projector), so prompts cannot be "
            "scored; train one on local reports with `elm-desktop adapt`"
        )
    embedding = engine.embed_text([text])[0]
    return prompt_curve(
        text,
        embedding,
        result.prompt_contrast,
        result.crop_embeddings,
        result.recording_embedding,
        result.crop_starts_s,
        result.window_s,
        float(engine.bundle.temperature),
    )


def _read_ahead(blocks: Iterator[np.ndarray], depth: int = 2) -> Iterator[np.ndarray]:
    """Yield ``blocks`` while a background thread already computes the next ones.

    Preprocessing (MNE filtering, resampling) and ONNX Runtime both release the GIL, so the next
    block is filtered while this one is encoded. At most ``depth`` blocks wait in memory; an
    error (or a cancellation) in the producer is raised here, in the caller's thread.
    """
    pending: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for block in blocks:
                while not stop.is_set():
                    try:
                        pending.put(block, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            pending.put(done)
        except BaseException as error:  # handed to the consumer, which re-raises it
            pending.put(error)

    producer = threading.Thread(target=produce, name="elm-preprocess", daemon=True)
    producer.start()
    try:
        while (item := pending.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while producer.is_alive():  # free a producer blocked on a full queue
            try:
                pending.get(timeout=0.1)
            except queue.Empty:
                pass
        producer.join()


class _StreamingEncoder:
    """Cuts consecutive input blocks into crops (carrying the remainder) and encodes them."""

    def __init__(self, engine: Engine, window_s: float) -> None:
        self.engine = engine
        self.length = int(round(window_s * ELM_SFREQ))
        self.window_s = window_s
        self.carry: np.ndarray | None = None
        self.embeddings: list[np.ndarray] = []
        self.logits: list[np.ndarray] = []
        self.band_power: list[np.ndarray] = []
        self.profiles: list[np.ndarray] = []
        self.posterior_spectra: list[np.ndarray] = []
        self.muscle_power: list[np.ndarray] = []
        self.spectrum: list[np.ndarray] = []
        self.window_rms: list[np.ndarray] = []
        self.transients: list[np.ndarray] = []
        self.transient_parts: list[np.ndarray] = []
        self.n_crops = 0

    @property
    def encoded_s(self) -> float:
        return self.n_crops * self.window_s

    def add(self, block: np.ndarray) -> None:
        x = block if self.carry is None else np.concatenate([self.carry, block], axis=1)
        n = x.shape[1] // self.length
        self.carry = x[:, n * self.length :]
        if n == 0:
            return
        crops = x[:, : n * self.length].reshape(x.shape[0], n, self.length).transpose(1, 0, 2)
        out = self.engine.encode(np.ascontiguousarray(crops))
        self.embeddings.append(np.asarray(out.embeddings, np.float32))
        self.logits.append(np.asarray(out.attention_logits, np.float32))
        self.band_power.append(crop_band_power(crops, ELM_SFREQ))
        self.profiles.append(crop_profile(crops))
        self.posterior_spectra.append(crop_posterior_spectra(crops, ELM_CHANNELS))
        self.muscle_power.append(crop_muscle_power(crops, ELM_CHANNELS, ELM_SFREQ))
        self.spectrum.append(crop_spectrum(crops, ELM_SFREQ))
        self.window_rms.append(crop_window_rms(crops, ELM_SFREQ))
        self.transients.append(crop_transients(crops, ELM_SFREQ))
        self.transient_parts.append(crop_transient_parts(crops, ELM_SFREQ))
        self.n_crops += n


def _assemble(
    base: AnalysisResult,
    encoder: _StreamingEncoder,
    kb: KnowledgeBase,
    bank: PromptBank | None,
    engine: Engine,
    prompts: Sequence[str],
) -> AnalysisResult:
    embeddings = np.concatenate(encoder.embeddings)
    logits = np.concatenate(encoder.logits)
    weights = attention_weights(logits)
    recording = recording_embedding(embeddings, weights)
    starts = np.arange(encoder.n_crops, dtype=np.float64) * encoder.window_s
    rhythm = posterior_rhythm(np.concatenate(encoder.posterior_spectra), ELM_SFREQ, encoder.length)
    result = replace(
        base,
        crop_starts_s=starts,
        attention_logits=logits,
        attention=np.asarray(weights, np.float32),
        crop_embeddings=embeddings,
        recording_embedding=np.asarray(recording, np.float32),
        band_power=np.concatenate(encoder.band_power),
        crop_profiles=np.concatenate(encoder.profiles),
        encoded_s=encoder.encoded_s,
        posterior_rhythm=rhythm,
        muscle_artifact=muscle_artifact(np.concatenate(encoder.muscle_power)),
        signal_features=recording_features(
            np.concatenate(encoder.spectrum),
            np.concatenate(encoder.window_rms),
            np.concatenate(encoder.transients),
            rhythm,
            encoder.window_s,
        ),
    )
    if bank is not None:
        temperature = float(engine.bundle.temperature)
        transient_parts = np.concatenate(encoder.transient_parts)
        sharpness = crop_sharpness(transient_parts)
        result.findings = [
            measured_artifact_score(s, result.muscle_artifact, encoder.window_s)
            if s.finding_id == ARTIFACT
            else sharpest_segments(s, sharpness, starts, encoder.window_s)
            for s in score_findings(
                kb,
                bank,
                embeddings,
                result.recording_embedding,
                starts,
                encoder.window_s,
                temperature,
                result.signal_features,
                result.band_power,
            )
        ]
        result.locations = {
            score.finding_id: location
            for score in result.findings
            if (location := localise(score, result.band_power, ELM_CHANNELS)) is not None
        }
        result.unshown = without_asymmetry(
            result.findings, result.band_power, ELM_CHANNELS
        ) | without_suppression(result.findings, result.signal_features)
        result.unsupported_absences = unsupported_absences(
            result.findings, generalized_transients(transient_parts)
        )
        if prompts and result.prompt_contrast is not None:
            vectors = engine.embed_text(list(prompts))
            result.prompts = [
                prompt_curve(
                    p,
                    v,
                    result.prompt_contrast,
                    embeddings,
                    result.recording_embedding,
                    starts,
                    encoder.window_s,
                    temperature,
                )
                for p, v in zip(prompts, vectors, strict=True)
            ]
    return result


def _floats(values: np.ndarray, digits: int = 5) -> list[float]:
    return [round(float(v), digits) for v in values]


def _draft_dict(draft: DraftReport) -> dict[str, Any]:
    return {
        "text": draft.text(),
        "impression": draft.impression,
        "reasons": list(draft.reasons),
        "unassessed": list(draft.unassessed),
        "held": dict(draft.held),
        "verdicts": dict(draft.verdicts),
        "unruled": dict(draft.unruled),
        "measured": dict(draft.measured),
        "sections": [
            {
                "title": section.title,
                "sentences": [
                    {
                        "text": sentence.text,
                        "origin": sentence.origin,
                        "provenance": None
                        if sentence.provenance is None
                        else asdict(sentence.provenance),
                    }
                    for sentence in section.sentences
                ],
            }
            for section in draft.sections
        ],
    }


def search_archive(result: AnalysisResult, archive: Archive) -> None:
    """Fill a result's similar cases and report segments from an archive of the same model.

    An archive of another model (another modality's, or another version's) gives none, and the
    result's notice says why: embeddings of different models are not comparable.
    """
    if archive.model is not None and archive.model != result.model:
        note = (
            f"The archive holds embeddings of model {archive.model!r}, not {result.model!r}: "
            "no similar cases are shown; use an archive built with this model."
        )
        result.notice = f"{result.notice} {note}" if result.notice else note
        return
    # Neither the recording's own archived case nor a copy of it in another file is a prior
    # case, and their reports are not evidence for its draft.
    same = archive.same_recording(
        result.recording_embedding, result.crop_embeddings, result.file_sha256
    )
    copies = len(same) - archive.contains(result.file_sha256)
    if copies:
        one = copies == 1
        note = (
            f"The archive holds {'another copy' if one else f'{copies} other copies'} of this "
            "recording (the same signal in another file): not shown as similar cases, "
            f"{'its report' if one else 'their reports'} not used in the draft."
        )
        result.notice = f"{result.notice} {note}" if result.notice else note
    result.similar_cases = archive.search_similar(
        result.recording_embedding,
        k=SIMILAR_CASES,
        crop_embeddings=result.crop_embeddings,
        exclude=same,
    )
    own = {hit.case.case_id for hit in result.similar_cases}
    segments = archive.search_segments(result.recording_embedding, k=REPORT_SEGMENTS, exclude=same)
    if not segments:  # an archive without segment embeddings: the similar cases' reports
        segments = [
            replace(segment, score=hit.score)
            for hit in result.similar_cases
            for segment in archive.segments(hit.case.case_id)
        ]
    result.report_segments = [s for s in segments if s.case_id in own] + [
        s for s in segments if s.case_id not in own
    ]
