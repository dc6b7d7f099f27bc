"""Evaluation of an ELM checkpoint on a corpus split, written as markdown and JSON.

* **Zero-shot**: every finding of the phenotype knowledge base is scored with the clinical
  layer's own rule (:func:`elm_desktop.clinical.score_findings`: prompt-ensemble minus
  contrast-ensemble similarity of the attention-pooled recording embedding), with the plain
  and the knowledge-enhanced prompts side by side; AUROC and balanced accuracy (at the
  threshold the model carries in its ``phenotypes.toml``, else the knowledge base's) per
  finding against the manifest's findings. Findings the program does not leave to the prompt
  are ranked as it acts on them: artifact
  present where muscle is measured (:mod:`~elm_desktop.clinical.muscle_artifact`), photic
  driving measured at the flash rates (:mod:`~elm_desktop.clinical.photic_driving`), a response
  to a procedure assessed from what the recording shows (its annotations and photic channel,
  read from its file: :func:`~elm_desktop.clinical.procedures.assessed_probability`); the macro
  of the scores alone is reported beside.
* **Retrieval**: recording embeddings against report embeddings (the normalised mean of the
  projected segments), both ways, Recall@1/5/10 and median rank, among at most 500 recordings.
* **Linear probe** (ELM's protocol): standardised per-crop 256-d embeddings, logistic regression
  (balanced classes, C chosen on the validation split), crop probabilities averaged per
  recording, trained on 1 %, 10 % and 100 % of the training recordings; against the same
  EEGResNet trained from scratch on 100 % of the same labels.
* **Attention localisation**: per recording, AUROC of the crop attention weights against the
  crops that ground truth marks as holding the event; mean over recordings.

Several models on several corpora make a matrix: :mod:`elm_desktop.training.matrix`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from elm_desktop.clinical import (
    KnowledgeBase,
    build_prompt_bank,
    load_knowledge_base,
    score_findings,
)
from elm_desktop.clinical.knowledge import PromptStyle
from elm_desktop.clinical.localise import crop_band_power
from elm_desktop.clinical.metrics import auroc
from elm_desktop.clinical.muscle_artifact import (
    ARTIFACT,
    MuscleArtifact,
    crop_muscle_power,
    measured_artifact_score,
    muscle_artifact,
)
from elm_desktop.clinical.photic_driving import (
    PHOTIC_DRIVING,
    measured_driving_score,
    recording_driving,
)
from elm_desktop.clinical.posterior_rhythm import (
    PosteriorRhythm,
    crop_posterior_spectra,
    posterior_rhythm,
)
from elm_desktop.clinical.procedures import assessed_probability, recorded_procedures
from elm_desktop.clinical.report import weak_support
from elm_desktop.clinical.sharp_transients import (
    SPIKE_FINDINGS,
    crop_sharpness,
    crop_transient_parts,
    sharpest_segments,
)
from elm_desktop.clinical.signal_features import crops_features
from elm_desktop.clinical.zeroshot import FindingScore
from elm_desktop.errors import ConfigError, RecordingError
from elm_desktop.progress import ProgressCallback
from elm_desktop.runtime.bundle import PHENOTYPES
from elm_desktop.signals.montages import ELM_CHANNELS
from elm_desktop.signals.photic import FlashTrain, flash_trains
from elm_desktop.signals.preprocess import ELM_SFREQ
from elm_desktop.signals.recording import Annotation, open_recording
from elm_desktop.synth import FINDINGS
from elm_desktop.training.data import CropCache, TextCache, build_cache, text_cache
from elm_desktop.training.encoder import EEGResNet
from elm_desktop.training.mil import attention_pool
from elm_desktop.training.model import ElmModel
from elm_desktop.training.text import TextEncoder
from elm_desktop.training.trainer import choose_device

RETRIEVAL_POOL = 500
LABEL_FRACTIONS = (0.01, 0.1, 1.0)
PROBE_C = np.logspace(-4, 2, 7)
LOCALISATION = {
    "spikes": ("focal_epileptiform", "generalized_spike_wave"),
    "seizures": ("seizure",),
    "periodic discharges": ("lpd", "gpd"),
}
MIN_POSITIVES = 5


@torch.no_grad()
def embed_recordings(
    model: ElmModel,
    cache: CropCache,
    recordings: np.ndarray,
    device: torch.device,
    chunk: int = 2048,
) -> dict[str, Any]:
    """Crop embeddings (L2-normalised), attention weights and recording embeddings.

    Returns a dict with ``crops`` [n, 256], ``weights`` [n], ``recording`` [r, 256],
    ``crop_owner`` [n] (position in ``recordings``) and ``crop_index`` [n] (cache crop index).
    """
    model.eval().to(device)
    crop_index = np.concatenate([np.asarray(cache.crop_range(int(r))) for r in recordings])
    owner = np.repeat(
        np.arange(len(recordings)), [len(cache.crop_range(int(r))) for r in recordings]
    )
    z_parts, logit_parts = [], []
    for start in range(0, len(crop_index), chunk):
        ids = crop_index[start : start + chunk]
        crops = torch.from_numpy(np.asarray(cache.crops[ids])).to(device).float()
        z, logits = model.encode_crops(crops)
        z_parts.append(z.float())
        logit_parts.append(
            logits.float() if logits is not None else torch.zeros(len(z), device=device)
        )
    z = torch.cat(z_parts)
    logits = torch.cat(logit_parts)
    owner_t = torch.from_numpy(owner).to(device)
    pooled, weights = attention_pool(z, logits, owner_t, len(recordings))
    return {
        "crops": F.normalize(z, dim=1).cpu().numpy(),
        "weights": weights.cpu().numpy(),
        "recording": pooled.cpu().numpy(),
        "crop_owner": owner,
        "crop_index": crop_index,
    }


def _auroc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    value = auroc(np.asarray(labels, dtype=bool), scores)
    return None if np.isnan(value) else value


def recording_finding_scores(
    model: ElmModel,
    encoder: TextEncoder,
    embedded: dict[str, Any],
    cache: CropCache,
    device: torch.device,
    knowledge_base: KnowledgeBase,
    style: PromptStyle,
    transient_parts: list[np.ndarray] | None = None,
) -> tuple[list[str], list[list[FindingScore]]]:
    """Each embedded recording's zero-shot scores of every finding of a knowledge base, as the
    analysis scores them (:func:`~elm_desktop.clinical.score_findings`), the spike findings'
    segments at the sharpest crops where ``transient_parts`` (:func:`recording_transient_parts`)
    are given.

    Returns
    -------
    finding_ids : list of str
        The knowledge base's findings, in its order.
    scores : list of list of FindingScore
        One row per recording of ``embedded`` (in its order), one score per finding.
    """

    @torch.no_grad()
    def embed_text(texts):
        pooled = encoder.embed(list(texts)).to(device)
        return F.normalize(model.project_text(pooled).float(), dim=1).cpu().numpy()

    bank = build_prompt_bank(knowledge_base, embed_text, style)
    reference = knowledge_base.record_reference(style)
    measured = reference is not None and (
        reference.signal is not None or bool(reference.finding_references)
    )
    rows = []
    for position in range(len(embedded["recording"])):
        mask = embedded["crop_owner"] == position
        crops = np.sort(embedded["crop_index"][mask])
        rows.append(
            score_findings(
                knowledge_base,
                bank,
                embedded["crops"][mask],
                embedded["recording"][position],
                cache.starts_s[embedded["crop_index"][mask]],
                cache.window_s,
                model.config.temperature,
                # What a record or finding score with a signal model reads, as analysis
                # measures it, and the band power an event's change is read in.
                crops_features(cache.crops[crops], ELM_SFREQ, cache.window_s) if measured else None,
                crop_band_power(
                    cache.crops[embedded["crop_index"][mask]].astype(np.float32), ELM_SFREQ
                ),
            )
        )
        if transient_parts is not None:
            sharpness = crop_sharpness(transient_parts[position])
            starts = cache.starts_s[embedded["crop_index"][mask]]
            rows[-1] = [sharpest_segments(s, sharpness, starts, cache.window_s) for s in rows[-1]]
    return list(bank.finding_ids), rows


def finding_probabilities(
    model: ElmModel,
    encoder: TextEncoder,
    embedded: dict[str, Any],
    cache: CropCache,
    device: torch.device,
    knowledge_base: KnowledgeBase,
    style: PromptStyle,
) -> tuple[list[str], np.ndarray]:
    """Each embedded recording's zero-shot probability of every finding of a knowledge base
    (:func:`recording_finding_scores`' probabilities).

    Returns
    -------
    finding_ids : list of str
        The knowledge base's findings, in its order.
    probabilities : ndarray
        float [r, f], one row per recording of ``embedded`` (in its order).
    """
    finding_ids, rows = recording_finding_scores(
        model, encoder, embedded, cache, device, knowledge_base, style
    )
    probabilities = np.array([[s.probability for s in row] for row in rows], dtype=float)
    return finding_ids, probabilities.reshape(len(rows), len(finding_ids))


@dataclass(frozen=True)
class RecordingShown:
    """What a recording's file says was done (its annotations and photic flash trains), as the
    analysis reads it, and, where it shows photic stimulation, its crops' posterior spectra
    and rhythm, to measure photic driving at the flash rates."""

    annotations: tuple[Annotation, ...]
    flashes: tuple[FlashTrain, ...]
    duration_s: float
    spectra: np.ndarray | None = None
    starts_s: np.ndarray | None = None
    n_samples: int = 0
    rhythm: PosteriorRhythm | None = None


def _read_shown(cache: CropCache, recordings: np.ndarray) -> list[RecordingShown | None]:
    """Each recording's annotations and photic flash trains, read from its file (None where the
    file can no longer be read: its scores are then ranked as they are)."""
    shown: list[RecordingShown | None] = []
    for r in recordings:
        try:
            rec = open_recording(cache.recordings[int(r)]["edf"])
            flashes = tuple(flash_trains(rec))
        except (RecordingError, OSError, KeyError):
            shown.append(None)
            continue
        procedures = recorded_procedures(rec.annotations, None, cache.window_s, flashes)
        if not any(p.name == "photic stimulation" for p in procedures):
            shown.append(RecordingShown(rec.annotations, flashes, rec.duration))
            continue
        span = cache.crop_range(int(r))
        crops = np.asarray(cache.crops[span.start : span.stop], np.float32)
        spectra = crop_posterior_spectra(crops, ELM_CHANNELS)
        shown.append(
            RecordingShown(
                rec.annotations,
                flashes,
                rec.duration,
                spectra,
                np.asarray(cache.starts_s[span.start : span.stop]),
                crops.shape[-1],
                posterior_rhythm(spectra, ELM_SFREQ, crops.shape[-1]),
            )
        )
    return shown


def _measured_muscle(cache: CropCache, recordings: np.ndarray) -> list[MuscleArtifact | None]:
    """Each recording's muscle artifact, measured on its crops as the analysis measures it."""
    measured = []
    for r in recordings:
        span = cache.crop_range(int(r))
        crops = np.asarray(cache.crops[span.start : span.stop], np.float32)
        measured.append(muscle_artifact(crop_muscle_power(crops, ELM_CHANNELS, ELM_SFREQ)))
    return measured


def assessed_probabilities(
    rows: list[list[FindingScore]],
    shown: list[RecordingShown | None],
    muscles: list[MuscleArtifact | None],
    knowledge_base: KnowledgeBase,
    window_s: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Each score as the program acts on it, given what its recording shows and what its
    signal measures: artifact where muscle is measured
    (:func:`~elm_desktop.clinical.muscle_artifact.measured_artifact_score`), photic driving
    where the flash rates let it be (:func:`~elm_desktop.clinical.photic_driving.measured_driving_score`),
    then :func:`~elm_desktop.clinical.procedures.assessed_probability`.

    Returns
    -------
    probabilities, thresholds : numpy.ndarray
        float [r, f] each: the probabilities, and the thresholds they are called present at.
    """
    probabilities, thresholds = [], []
    for scores, files, muscle in zip(rows, shown, muscles, strict=True):
        scores = [
            measured_artifact_score(s, muscle, window_s) if s.finding_id == ARTIFACT else s
            for s in scores
        ]
        if files is None:
            probabilities.append([s.probability for s in scores])
            thresholds.append([s.threshold for s in scores])
            continue
        # As the analysis: a sleep score too weak where it was calibrated is no evidence.
        procedures = recorded_procedures(
            files.annotations,
            [s for s in scores if not weak_support(knowledge_base, s.finding_id)],
            window_s,
            files.flashes,
            files.duration_s,
        )
        if files.spectra is not None:
            driving = recording_driving(
                files.spectra,
                ELM_SFREQ,
                files.n_samples,
                files.starts_s,
                window_s,
                files.annotations,
                files.flashes,
                procedures,
                files.rhythm,
                scores,
            )
            if driving is not None:
                scores = [
                    measured_driving_score(s, driving, files.starts_s, window_s)
                    if s.finding_id == PHOTIC_DRIVING
                    else s
                    for s in scores
                ]
        probabilities.append([assessed_probability(s, procedures) for s in scores])
        thresholds.append([s.threshold for s in scores])
    shape = (len(rows), -1)
    return (
        np.array(probabilities, dtype=float).reshape(shape),
        np.array(thresholds, dtype=float).reshape(shape),
    )


def zero_shot(
    model: ElmModel,
    encoder: TextEncoder,
    embedded: dict[str, Any],
    cache: CropCache,
    recordings: np.ndarray,
    device: torch.device,
    model_phenotypes: Path | None = None,
) -> dict[str, Any]:
    """Zero-shot AUROC and balanced accuracy per finding, plain and knowledge prompts.

    ``model_phenotypes`` holds the model's calibrated thresholds, if it has them.
    """
    # Built-in and model entries only: a checkpoint's figures do not depend on a user's file.
    knowledge_base = load_knowledge_base(user_path=os.devnull, model_path=model_phenotypes)
    labels = cache.recording_labels()[recordings]
    shown = _read_shown(cache, recordings)
    muscles = _measured_muscle(cache, recordings)
    parts = recording_transient_parts(embedded, cache)
    results: dict[str, Any] = {}
    for style in ("plain", "knowledge"):
        finding_ids, rows = recording_finding_scores(
            model, encoder, embedded, cache, device, knowledge_base, style, parts
        )
        alone = np.array([[s.probability for s in row] for row in rows], dtype=float)
        alone = alone.reshape(len(rows), len(finding_ids))
        probabilities, thresholds = assessed_probabilities(
            rows, shown, muscles, knowledge_base, cache.window_s
        )
        per_finding = {}
        for column, finding_id in enumerate(finding_ids):
            if finding_id not in FINDINGS:
                continue
            truth = labels[:, FINDINGS.index(finding_id)]
            per_finding[finding_id] = {
                "positives": int(truth.sum()),
                "auroc": _auroc(truth, probabilities[:, column]),
                "auroc_score_alone": _auroc(truth, alone[:, column]),
                "balanced_accuracy": float(
                    balanced_accuracy_score(
                        truth, probabilities[:, column] >= thresholds[:, column]
                    )
                )
                if truth.min() != truth.max()
                else None,
            }
        macro = [
            v["auroc"]
            for k, v in per_finding.items()
            if v["auroc"] is not None and v["positives"] >= MIN_POSITIVES
        ]
        alone_macro = [
            v["auroc_score_alone"]
            for v in per_finding.values()
            if v["auroc_score_alone"] is not None and v["positives"] >= MIN_POSITIVES
        ]
        results[style] = {
            "spike_segments": spike_segments(rows, finding_ids, embedded, cache, parts),
            "findings": per_finding,
            "macro_auroc": float(np.mean(macro)) if macro else None,
            "macro_auroc_scores_alone": float(np.mean(alone_macro)) if alone_macro else None,
            "macro_over": [
                k
                for k, v in per_finding.items()
                if v["auroc"] is not None and v["positives"] >= MIN_POSITIVES
            ],
        }
    results["thresholds"] = (
        f"the model's {PHENOTYPES}" if model_phenotypes is not None else "the knowledge base"
    )
    results["files_unread"] = sum(files is None for files in shown)
    return results


def retrieval(
    model: ElmModel, embedded: dict[str, Any], texts: TextCache, recordings: np.ndarray, device
) -> dict[str, Any]:
    """Recall@k and median rank, EEG to report and report to EEG."""
    keep = [i for i, r in enumerate(recordings) if len(texts.recording_range(int(r)))][
        :RETRIEVAL_POOL
    ]
    with torch.no_grad():
        reports = []
        for i in keep:
            span = texts.recording_range(int(recordings[i]))
            pooled = torch.from_numpy(texts.embeddings[span.start : span.stop]).to(device)
            projected = F.normalize(model.project_text(pooled).float(), dim=1)
            reports.append(F.normalize(projected.mean(0), dim=0).cpu().numpy())
    similarity = embedded["recording"][keep] @ np.stack(reports).T
    out: dict[str, Any] = {"pool": len(keep)}
    for name, matrix in (("eeg_to_report", similarity), ("report_to_eeg", similarity.T)):
        true = np.diag(matrix)[:, None]
        ranks = (matrix > true).sum(1) + 1
        out[name] = {f"R@{k}": float((ranks <= k).mean()) for k in (1, 5, 10)}
        out[name]["median_rank"] = float(np.median(ranks))
    return out


def _recording_scores(probabilities: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(owner, weights=probabilities, minlength=n) / np.bincount(owner, minlength=n)


def _subset(labels: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Stratified subset of recordings, at least one of each class."""
    chosen = []
    for value in (0, 1):
        members = np.flatnonzero(labels == value)
        k = max(1, int(round(fraction * len(members))))
        chosen.append(rng.choice(members, k, replace=False))
    return np.sort(np.concatenate(chosen))


def linear_probe(
    train: dict[str, Any],
    train_labels: np.ndarray,
    val: dict[str, Any],
    val_labels: np.ndarray,
    test: dict[str, Any],
    test_labels: np.ndarray,
    seed: int,
) -> dict[str, Any]:
    """ELM's linear probe on per-crop embeddings at several label fractions."""
    rng = np.random.default_rng(seed)
    results = {}
    for fraction in LABEL_FRACTIONS:
        chosen = _subset(train_labels, fraction, rng)
        mask = np.isin(train["crop_owner"], chosen)
        x, y = train["crops"][mask], train_labels[train["crop_owner"][mask]]
        best = None
        for c in PROBE_C:
            probe = make_pipeline(
                StandardScaler(),
                LogisticRegression(C=c, max_iter=2000, class_weight="balanced"),
            ).fit(x, y)
            score = _recording_scores(
                probe.predict_proba(val["crops"])[:, 1], val["crop_owner"], len(val_labels)
            )
            auroc = _auroc(val_labels, score) or 0.0
            if best is None or auroc > best[0]:
                best = (auroc, probe, c)
        _, probe, c = best
        score = _recording_scores(
            probe.predict_proba(test["crops"])[:, 1], test["crop_owner"], len(test_labels)
        )
        results[f"{round(fraction * 100)}%"] = {
            "recordings": int(len(chosen)),
            "C": float(c),
            "auroc": _auroc(test_labels, score),
            "balanced_accuracy": float(balanced_accuracy_score(test_labels, score >= 0.5)),
        }
    return results


class SupervisedBaseline:
    """EEGResNet trained from scratch on every training crop with its recording's label.

    Trained once on construction; :meth:`evaluate` scores it on any corpus's recordings, so a
    matrix of evaluations trains it once (it does not depend on the model under evaluation).
    """

    def __init__(
        self,
        cache: CropCache,
        train_ids: np.ndarray,
        train_labels: np.ndarray,
        window_s: int,
        epochs: int,
        seed: int,
        device: torch.device,
        batch: int = 256,
    ) -> None:
        torch.manual_seed(seed)
        self.device = device
        self.encoder = EEGResNet(window_s).to(device)
        self.head = torch.nn.Linear(256, 1).to(device)
        network = torch.nn.ModuleList([self.encoder, self.head])
        optimizer = torch.optim.AdamW(network.parameters(), lr=1e-3, weight_decay=1e-4)
        crop_ids = np.concatenate([np.asarray(cache.crop_range(int(r))) for r in train_ids])
        crop_labels = np.repeat(train_labels, [len(cache.crop_range(int(r))) for r in train_ids])
        positive_weight = torch.tensor(
            (crop_labels == 0).sum() / max(1, crop_labels.sum()), device=device
        )
        rng = np.random.default_rng(seed)
        autocast = device.type == "cuda"
        started = time.perf_counter()
        for _ in range(epochs):
            network.train()
            order = rng.permutation(len(crop_ids))
            for start in range(0, len(order), batch):
                picked = order[start : start + batch]
                target = torch.from_numpy(crop_labels[picked]).float().to(device)
                x = torch.from_numpy(np.asarray(cache.crops[crop_ids[picked]])).to(device).float()
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
                    logits = self.head(self.encoder(x)[1]).squeeze(1).float()
                loss = F.binary_cross_entropy_with_logits(
                    logits, target, pos_weight=positive_weight
                )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
        network.eval()
        self.facts = {
            "epochs": epochs,
            "recordings": int(len(train_ids)),
            "seconds": round(time.perf_counter() - started, 1),
        }

    @torch.no_grad()
    def evaluate(
        self, test_cache: CropCache, test_ids: np.ndarray, test_labels: np.ndarray
    ) -> dict[str, Any]:
        """AUROC and balanced accuracy of the mean crop probability per recording."""
        probabilities = []
        for recording in test_ids:
            span = test_cache.crop_range(int(recording))
            crops = np.array(test_cache.crops[span.start : span.stop])
            x = torch.from_numpy(crops).to(self.device).float()
            probabilities.append(torch.sigmoid(self.head(self.encoder(x)[1])).mean().item())
        score = np.array(probabilities)
        return self.facts | {
            "auroc": _auroc(test_labels, score),
            "balanced_accuracy": float(balanced_accuracy_score(test_labels, score >= 0.5)),
        }


def recording_transient_parts(embedded: dict[str, Any], cache: CropCache) -> list[np.ndarray]:
    """Each embedded recording's transient parts
    (:func:`~elm_desktop.clinical.sharp_transients.crop_transient_parts`), in the order of its
    crops in ``embedded`` (the order of its scores' curves)."""
    return [
        crop_transient_parts(
            np.asarray(cache.crops[embedded["crop_index"][embedded["crop_owner"] == p]]),
            ELM_SFREQ,
        )
        for p in range(len(embedded["recording"]))
    ]


def spike_segments(
    rows: list[list[FindingScore]],
    finding_ids: list[str],
    embedded: dict[str, Any],
    cache: CropCache,
    transient_parts: list[np.ndarray],
) -> dict[str, Any]:
    """Mean per-recording AUROC, against its spike crops, of the ranking its spike finding's
    segments are chosen by (the finding's curve times the crops' sharpness,
    :func:`~elm_desktop.clinical.sharp_transients.sharpest_segments`): where the program shows
    the spikes. Each recording is read at the spike finding it has (focal spikes before
    generalized spike-and-wave), against the crops of either, as the attention's figure
    (:func:`localisation`); ``curve_alone`` is the same for the model's curve alone.
    ``transient_parts`` are :func:`recording_transient_parts`'."""
    columns = [FINDINGS.index(f) for f in SPIKE_FINDINGS]
    shown, alone = [], []
    for position, row in enumerate(rows):
        crops = embedded["crop_index"][embedded["crop_owner"] == position]
        truth = cache.labels[crops][:, columns]
        if truth.max(0).sum() == 0 or truth.max(1).min() == 1:
            continue
        finding = SPIKE_FINDINGS[int(np.argmax(truth.max(0)))]
        curve = np.asarray(row[finding_ids.index(finding)].crop_probability, np.float64)
        events = truth.max(1)
        shown.append(_auroc(events, curve * crop_sharpness(transient_parts[position])))
        alone.append(_auroc(events, curve))
    return {
        "recordings": len(shown),
        "auroc": float(np.mean(shown)) if shown else None,
        "curve_alone": float(np.mean(alone)) if alone else None,
    }


def localisation(
    embedded: dict[str, Any], cache: CropCache, recordings: np.ndarray
) -> dict[str, Any]:
    """Mean per-recording AUROC of attention weights against ground-truth event crops."""
    results = {}
    for name, findings in LOCALISATION.items():
        columns = [FINDINGS.index(f) for f in findings]
        aurocs = []
        for position in range(len(recordings)):
            mask = embedded["crop_owner"] == position
            truth = cache.labels[embedded["crop_index"][mask]][:, columns].max(1)
            auroc = _auroc(truth, embedded["weights"][mask])
            if auroc is not None:
                aurocs.append(auroc)
        results[name] = {
            "recordings": len(aurocs),
            "auroc": float(np.mean(aurocs)) if aurocs else None,
        }
    return results


@dataclass
class ProbeData:
    """The embedded train and val recordings of the corpus the linear probes fit on."""

    train: dict[str, Any]
    train_labels: np.ndarray
    val: dict[str, Any]
    val_labels: np.ndarray


def abnormal_labels(cache: CropCache, recordings: np.ndarray) -> np.ndarray:
    """int [r]: 1 for each recording the manifest marks abnormal."""
    return np.array([cache.recordings[int(r)]["abnormal"] for r in recordings], dtype=int)


def open_corpus(
    corpus: str | Path,
    cache_dir: str | Path | None,
    window_s: int,
    workers: int = 1,
    progress: ProgressCallback | None = None,
) -> CropCache:
    """The corpus's crop cache (default ``CORPUS/cache-<window>s``), built once and reused."""
    cache_dir = cache_dir or Path(corpus) / f"cache-{window_s}s"
    return build_cache(corpus, cache_dir, window_s, workers=workers, progress=progress)


def split_recordings(cache: CropCache, split: str) -> np.ndarray:
    """Cache indices of ``split`` (``"all"``: every recording); refuse an empty split."""
    recordings = np.arange(len(cache)) if split == "all" else cache.split_indices(split)
    if len(recordings) == 0:
        raise ConfigError(f"the corpus has no recording in split {split!r}")
    return recordings


def has_supervision(cache: CropCache) -> bool:
    """Whether probes and baseline can be fitted: a val split, both classes in the train split."""
    train_labels = abnormal_labels(cache, cache.split_indices("train"))
    return len(cache.split_indices("val")) > 0 and len(np.unique(train_labels)) == 2


def probe_data(cache: CropCache, embed: Callable[[np.ndarray], dict[str, Any]]) -> ProbeData | None:
    """The train and val splits for the linear probes, embedded by ``embed(cache indices)``.

    None unless :func:`has_supervision`.
    """
    if not has_supervision(cache):
        return None
    train_ids, val_ids = cache.split_indices("train"), cache.split_indices("val")
    return ProbeData(
        embed(train_ids),
        abnormal_labels(cache, train_ids),
        embed(val_ids),
        abnormal_labels(cache, val_ids),
    )


def supervised_for(
    cache: CropCache, epochs: int, window_s: int, seed: int, device: torch.device
) -> SupervisedBaseline | None:
    """The baseline trained on ``cache``'s train split; None without epochs or supervision."""
    if epochs <= 0 or not has_supervision(cache):
        return None
    train_ids = cache.split_indices("train")
    return SupervisedBaseline(
        cache, train_ids, abnormal_labels(cache, train_ids), window_s, epochs, seed, device
    )


def model_thresholds(model_dir: str | Path) -> Path | None:
    """The checkpoint's calibrated ``phenotypes.toml``, if it has one."""
    path = Path(model_dir) / PHENOTYPES
    return path if path.is_file() else None


def evaluate_split(
    model: ElmModel,
    model_dir: str | Path,
    corpus: str | Path,
    cache: CropCache,
    split: str,
    device: torch.device,
    probes: ProbeData | None = None,
    baseline: SupervisedBaseline | None = None,
    seed: int = 0,
    embedded: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every figure of one model on one corpus split, as :func:`evaluate`'s JSON holds them.

    ``embedded`` (from :func:`embed_recordings` on the split) is computed when not given.
    """
    config = model.config
    recordings = split_recordings(cache, split)
    if embedded is None:
        embedded = embed_recordings(model, cache, recordings, device)
    abnormal = abnormal_labels(cache, recordings)
    report: dict[str, Any] = {
        "model": str(model_dir),
        "corpus": str(corpus),
        "split": split,
        "recordings": int(len(recordings)),
        "abnormal": int(abnormal.sum()),
        "crops": int(len(embedded["crop_index"])),
        "window_s": config.window_s,
    }
    if model.text_projector is not None:
        texts = text_cache(
            cache, config.text_model, config.pooling, config.max_length, config.segment_mode
        )
        encoder = TextEncoder(config.text_model, config.pooling, config.max_length)
        report["zero_shot"] = zero_shot(
            model, encoder, embedded, cache, recordings, device, model_thresholds(model_dir)
        )
        report["retrieval"] = retrieval(model, embedded, texts, recordings, device)
    if probes is not None:
        report["linear_probe"] = linear_probe(
            probes.train,
            probes.train_labels,
            probes.val,
            probes.val_labels,
            embedded,
            abnormal,
            seed,
        )
    if baseline is not None:
        report["supervised_100%"] = baseline.evaluate(cache, recordings, abnormal)
    if model.attention is not None:
        report["localisation"] = localisation(embedded, cache, recordings)
    return report


def write_reports(report: dict[str, Any], markdown: str, out_dir: str | Path) -> dict[str, Path]:
    """Write ``evaluation.json`` (strict JSON) and ``evaluation.md`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "evaluation.json"
    json_path.write_text(json.dumps(report, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    markdown_path = out_dir / "evaluation.md"
    markdown_path.write_text(markdown, encoding="utf-8")
    return {"json": json_path, "markdown": markdown_path}


@dataclass(frozen=True)
class EvaluationOptions:
    """How a checkpoint is evaluated on a corpus (the ``evaluate`` command's options).

    Attributes
    ----------
    split : str
        The corpus split evaluated; ``"all"`` for every recording.
    train_corpus, train_cache_dir : str or Path or None
        The corpus whose ``train`` split fits the linear probes and the supervised baseline
        (C chosen on its ``val`` split), and its cache folder; default: the evaluated corpus.
    seed : int
        Seed of the probes' label subsets and of the baseline.
    baseline_epochs : int
        Epochs of the supervised baseline; 0 leaves it out.
    workers : int
        Preprocessing processes for caches not built yet.
    device : str
        ``"auto"``, ``"cpu"`` or ``"cuda"``.
    probe : bool
        False leaves out the linear probes and the baseline.
    """

    split: str = "test"
    train_corpus: str | Path | None = None
    train_cache_dir: str | Path | None = None
    seed: int = 0
    baseline_epochs: int = 10
    workers: int = 1
    device: str = "auto"
    probe: bool = True


def evaluate(
    model_dir: str | Path,
    corpus: str | Path,
    out_dir: str | Path,
    cache_dir: str | Path | None = None,
    options: EvaluationOptions | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Path]:
    """Evaluate a checkpoint; write ``evaluation.md`` and ``evaluation.json`` into ``out_dir``.

    ``corpus``'s ``options.split`` is evaluated (see :class:`EvaluationOptions`).
    """
    options = options or EvaluationOptions()
    started = time.perf_counter()
    model = ElmModel.load(model_dir)
    torch_device = choose_device(options.device)
    window = model.config.window_s
    cache = open_corpus(corpus, cache_dir, window, options.workers, progress)
    split_recordings(cache, options.split)  # an empty split is refused before any model work
    probes, baseline = None, None
    if options.probe:
        train_cache = (
            cache
            if options.train_corpus is None
            else open_corpus(
                options.train_corpus, options.train_cache_dir, window, options.workers, progress
            )
        )
        probes = probe_data(
            train_cache, lambda ids: embed_recordings(model, train_cache, ids, torch_device)
        )
        baseline = supervised_for(
            train_cache, options.baseline_epochs, window, options.seed, torch_device
        )
    report = evaluate_split(
        model,
        model_dir,
        corpus,
        cache,
        options.split,
        torch_device,
        probes,
        baseline,
        options.seed,
    )
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["device"] = torch_device.type
    return write_reports(report, to_markdown(report), out_dir)


def figure_text(value: float | None, digits: int = 3) -> str:
    """A figure with `digits` decimals, or an en dash when it could not be computed."""
    return "–" if value is None else f"{value:.{digits}f}"


def to_markdown(report: dict[str, Any]) -> str:
    """Render an evaluation report as markdown tables."""
    lines = [
        f"# Evaluation of `{report['model']}`",
        "",
        f"Corpus `{report['corpus']}`, split `{report['split']}`: {report['recordings']} recordings "
        f"({report['abnormal']} abnormal), {report['crops']} crops of {report['window_s']} s.",
        "",
    ]
    if "zero_shot" in report:
        plain, knowledge = report["zero_shot"]["plain"], report["zero_shot"]["knowledge"]
        lines += [
            "## Zero-shot (recording level)",
            "",
            "| finding | positives | AUROC plain | BAcc plain | AUROC knowledge | BAcc knowledge |",
            "|---|---|---|---|---|---|",
        ]
        for finding, values in plain["findings"].items():
            other = knowledge["findings"][finding]
            lines.append(
                f"| {finding} | {values['positives']} | {figure_text(values['auroc'])} | "
                f"{figure_text(values['balanced_accuracy'])} | {figure_text(other['auroc'])} | "
                f"{figure_text(other['balanced_accuracy'])} |"
            )
        lines += [
            f"| **macro** (findings with >= {MIN_POSITIVES} positives) | | "
            f"{figure_text(plain['macro_auroc'])} | | {figure_text(knowledge['macro_auroc'])} | |",
            "",
            "`normal` scores normal-versus-abnormal. Balanced accuracy at the thresholds of "
            f"{report['zero_shot']['thresholds']} (a measured score's: 0.5). Ranked as the program "
            "acts on them: artifact present where muscle artifact is measured, photic driving measured "
            "at the flash rates, responses to a procedure assessed from the recording's "
            "annotations and photic channel (not assessed without the procedure; sleep the "
            "annotations mark, shown); the scores alone give a macro of "
            f"{figure_text(plain.get('macro_auroc_scores_alone'))} / "
            f"{figure_text(knowledge.get('macro_auroc_scores_alone'))} (plain / knowledge)"
            + (
                f"; {unread} recordings' files could not be read, their scores ranked as they are."
                if (unread := report["zero_shot"].get("files_unread"))
                else "."
            ),
            "",
        ]
    if "retrieval" in report:
        r = report["retrieval"]
        lines += [
            f"## Retrieval among {r['pool']} recordings",
            "",
            "| direction | R@1 | R@5 | R@10 | median rank |",
            "|---|---|---|---|---|",
        ]
        for name in ("eeg_to_report", "report_to_eeg"):
            v = r[name]
            lines.append(
                f"| {name.replace('_', ' ')} | {figure_text(v['R@1'])} | {figure_text(v['R@5'])} | "
                f"{figure_text(v['R@10'])} | {v['median_rank']:.0f} |"
            )
        lines.append("")
    if "linear_probe" in report:
        lines += [
            "## Normal versus abnormal: linear probe and supervised baseline",
            "",
            "| method | training recordings | AUROC | BAcc |",
            "|---|---|---|---|",
        ]
        for fraction, v in report["linear_probe"].items():
            lines.append(
                f"| linear probe, {fraction} of labels | {v['recordings']} | {figure_text(v['auroc'])} | "
                f"{figure_text(v['balanced_accuracy'])} |"
            )
        if "supervised_100%" in report:
            v = report["supervised_100%"]
            lines.append(
                f"| EEGResNet from scratch, 100 % ({v['epochs']} epochs) | {v['recordings']} | "
                f"{figure_text(v['auroc'])} | {figure_text(v['balanced_accuracy'])} |"
            )
        lines.append("")
    if "localisation" in report:
        lines += [
            "## Attention localisation",
            "",
            "| events | recordings | mean AUROC of attention vs event crops |",
            "|---|---|---|",
        ]
        for name, v in report["localisation"].items():
            lines.append(f"| {name} | {v['recordings']} | {figure_text(v['auroc'])} |")
        lines.append("")
    if "zero_shot" in report and "spike_segments" in report["zero_shot"]["knowledge"]:
        plain, knowledge = (
            report["zero_shot"][style]["spike_segments"] for style in ("plain", "knowledge")
        )
        lines += [
            "## Where the program shows spikes",
            "",
            "| segments ranked by | recordings | mean AUROC vs spike crops, plain | knowledge |",
            "|---|---|---|---|",
            f"| the spike finding's curve times the crops' sharpness (shown) | "
            f"{knowledge['recordings']} | {figure_text(plain['auroc'])} | "
            f"{figure_text(knowledge['auroc'])} |",
            f"| the spike finding's curve alone | {knowledge['recordings']} | "
            f"{figure_text(plain['curve_alone'])} | {figure_text(knowledge['curve_alone'])} |",
            "",
        ]
    lines.append(f"Computed on {report['device']} in {report['seconds']} s.")
    return "\n".join(lines) + "\n"
