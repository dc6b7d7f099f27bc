"""Evaluation of an ELM checkpoint on a corpus split, written as markdown and JSON.

* **Zero-shot**: every finding of the phenotype knowledge base is scored with the clinical
  layer's own rule (:func:`elm_desktop.clinical.score_findings`: prompt-ensemble minus
  contrast-ensemble similarity of the attention-pooled recording embedding), with the plain
  and the knowledge-enhanced prompts side by side; AUROC and balanced accuracy (at the
  threshold the model carries in its ``phenotypes.toml``, else the knowledge base's) per
  finding against the manifest's findings.
* **Retrieval**: recording embeddings against report embeddings (the normalised mean of the
  projected segments), both ways, Recall@1/5/10 and median rank, among at most 500 recordings.
* **Linear probe** (ELM's protocol): standardised per-crop 256-d embeddings, logistic regression
  (balanced classes, C chosen on the validation split), crop probabilities averaged per
  recording, trained on 1 %, 10 % and 100 % of the training recordings; against the same
  EEGResNet trained from scratch on 100 % of the same labels.
* **Attention localisation**: per recording, AUROC of the crop attention weights against the
  crops that ground truth marks as holding the event; mean over recordings.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from elm_desktop.clinical import build_prompt_bank, load_knowledge_base, score_findings
from elm_desktop.clinical.metrics import auroc
from elm_desktop.errors import ConfigError
from elm_desktop.progress import ProgressCallback
from elm_desktop.runtime.bundle import PHENOTYPES
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

    @torch.no_grad()
    def embed_text(texts):
        pooled = encoder.embed(list(texts)).to(device)
        return F.normalize(model.project_text(pooled).float(), dim=1).cpu().numpy()

    labels = cache.recording_labels()[recordings]
    results: dict[str, Any] = {}
    for style in ("plain", "knowledge"):
        bank = build_prompt_bank(knowledge_base, embed_text, style)
        probabilities = np.zeros((len(recordings), len(bank.finding_ids)))
        for position in range(len(recordings)):
            mask = embedded["crop_owner"] == position
            scores = score_findings(
                knowledge_base,
                bank,
                embedded["crops"][mask],
                embedded["recording"][position],
                cache.starts_s[embedded["crop_index"][mask]],
                cache.window_s,
                model.config.temperature,
            )
            probabilities[position] = [s.probability for s in scores]
        per_finding = {}
        for column, finding_id in enumerate(bank.finding_ids):
            if finding_id not in FINDINGS:
                continue
            truth = labels[:, FINDINGS.index(finding_id)]
            threshold = knowledge_base[finding_id].threshold
            per_finding[finding_id] = {
                "positives": int(truth.sum()),
                "auroc": _auroc(truth, probabilities[:, column]),
                "balanced_accuracy": float(
                    balanced_accuracy_score(truth, probabilities[:, column] >= threshold)
                )
                if truth.min() != truth.max()
                else None,
            }
        macro = [
            v["auroc"]
            for k, v in per_finding.items()
            if v["auroc"] is not None and v["positives"] >= MIN_POSITIVES
        ]
        results[style] = {
            "findings": per_finding,
            "macro_auroc": float(np.mean(macro)) if macro else None,
            "macro_over": [
                k
                for k, v in per_finding.items()
                if v["auroc"] is not None and v["positives"] >= MIN_POSITIVES
            ],
        }
    results["thresholds"] = (
        f"the model's {PHENOTYPES}" if model_phenotypes is not None else "the knowledge base"
    )
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


def supervised_baseline(
    cache: CropCache,
    train_ids: np.ndarray,
    train_labels: np.ndarray,
    test_cache: CropCache,
    test_ids: np.ndarray,
    test_labels: np.ndarray,
    window_s: int,
    epochs: int,
    seed: int,
    device: torch.device,
    batch: int = 256,
) -> dict[str, Any]:
    """EEGResNet trained from scratch on every training crop with its recording's label."""
    torch.manual_seed(seed)
    encoder = EEGResNet(window_s).to(device)
    head = torch.nn.Linear(256, 1).to(device)
    network = torch.nn.ModuleList([encoder, head])
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
                logits = head(encoder(x)[1]).squeeze(1).float()
            loss = F.binary_cross_entropy_with_logits(logits, target, pos_weight=positive_weight)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    network.eval()
    probabilities = []
    with torch.no_grad():
        for recording in test_ids:
            span = test_cache.crop_range(int(recording))
            crops = np.array(test_cache.crops[span.start : span.stop])
            x = torch.from_numpy(crops).to(device).float()
            probabilities.append(torch.sigmoid(head(encoder(x)[1])).mean().item())
    score = np.array(probabilities)
    return {
        "epochs": epochs,
        "recordings": int(len(train_ids)),
        "seconds": round(time.perf_counter() - started, 1),
        "auroc": _auroc(test_labels, score),
        "balanced_accuracy": float(balanced_accuracy_score(test_labels, score >= 0.5)),
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


def evaluate(
    model_dir: str | Path,
    corpus: str | Path,
    out_dir: str | Path,
    cache_dir: str | Path | None = None,
    split: str = "test",
    train_corpus: str | Path | None = None,
    train_cache_dir: str | Path | None = None,
    seed: int = 0,
    baseline_epochs: int = 10,
    workers: int = 1,
    device: str = "auto",
    progress: ProgressCallback | None = None,
) -> dict[str, Path]:
    """Evaluate a checkpoint; write ``evaluation.md`` and ``evaluation.json`` into ``out_dir``.

    ``corpus``'s ``split`` (``"all"`` for every recording) is evaluated. Linear probes and the
    supervised baseline train on the ``train`` split of ``train_corpus`` (default: ``corpus``)
    and choose C on its ``val`` split.
    """
    started = time.perf_counter()
    model = ElmModel.load(model_dir)
    config = model.config
    torch_device = choose_device(device)
    window = config.window_s

    def open_cache(path, cache_path):
        cache_path = cache_path or Path(path) / f"cache-{window}s"
        return build_cache(path, cache_path, window, workers=workers, progress=progress)

    cache = open_cache(corpus, cache_dir)
    texts = text_cache(
        cache, config.text_model, config.pooling, config.max_length, config.segment_mode
    )
    recordings = np.arange(len(cache)) if split == "all" else cache.split_indices(split)
    if len(recordings) == 0:
        raise ConfigError(f"the corpus has no recording in split {split!r}")
    embedded = embed_recordings(model, cache, recordings, torch_device)
    abnormal = np.array([cache.recordings[int(r)]["abnormal"] for r in recordings], dtype=int)
    report: dict[str, Any] = {
        "model": str(model_dir),
        "corpus": str(corpus),
        "split": split,
        "recordings": int(len(recordings)),
        "abnormal": int(abnormal.sum()),
        "crops": int(len(embedded["crop_index"])),
        "window_s": window,
    }
    if model.text_projector is not None:
        encoder = TextEncoder(config.text_model, config.pooling, config.max_length)
        thresholds = Path(model_dir) / PHENOTYPES
        report["zero_shot"] = zero_shot(
            model,
            encoder,
            embedded,
            cache,
            recordings,
            torch_device,
            thresholds if thresholds.is_file() else None,
        )
        report["retrieval"] = retrieval(model, embedded, texts, recordings, torch_device)
    train_cache = cache if train_corpus is None else open_cache(train_corpus, train_cache_dir)
    train_ids, val_ids = train_cache.split_indices("train"), train_cache.split_indices("val")
    if len(train_ids) and len(val_ids):

        def labels_of(ids):
            return np.array([train_cache.recordings[int(r)]["abnormal"] for r in ids], dtype=int)

        train_emb = embed_recordings(model, train_cache, train_ids, torch_device)
        val_emb = embed_recordings(model, train_cache, val_ids, torch_device)
        report["linear_probe"] = linear_probe(
            train_emb, labels_of(train_ids), val_emb, labels_of(val_ids), embedded, abnormal, seed
        )
        if baseline_epochs > 0:
            report["supervised_100%"] = supervised_baseline(
                train_cache,
                train_ids,
                labels_of(train_ids),
                cache,
                recordings,
                abnormal,
                window,
                baseline_epochs,
                seed,
                torch_device,
            )
    if model.attention is not None:
        report["localisation"] = localisation(embedded, cache, recordings)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["device"] = torch_device.type
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "evaluation.json"
    json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    markdown_path = out_dir / "evaluation.md"
    markdown_path.write_text(to_markdown(report), encoding="utf-8")
    return {"json": json_path, "markdown": markdown_path}


def _f(value: float | None, digits: int = 3) -> str:
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
                f"| {finding} | {values['positives']} | {_f(values['auroc'])} | "
                f"{_f(values['balanced_accuracy'])} | {_f(other['auroc'])} | "
                f"{_f(other['balanced_accuracy'])} |"
            )
        lines += [
            f"| **macro** (findings with >= {MIN_POSITIVES} positives) | | "
            f"{_f(plain['macro_auroc'])} | | {_f(knowledge['macro_auroc'])} | |",
            "",
            "`normal` scores normal-versus-abnormal. Balanced accuracy at the thresholds of "
            f"{report['zero_shot']['thresholds']}.",
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
                f"| {name.replace('_', ' ')} | {_f(v['R@1'])} | {_f(v['R@5'])} | "
                f"{_f(v['R@10'])} | {v['median_rank']:.0f} |"
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
                f"| linear probe, {fraction} of labels | {v['recordings']} | {_f(v['auroc'])} | "
                f"{_f(v['balanced_accuracy'])} |"
            )
        if "supervised_100%" in report:
            v = report["supervised_100%"]
            lines.append(
                f"| EEGResNet from scratch, 100 % ({v['epochs']} epochs) | {v['recordings']} | "
                f"{_f(v['auroc'])} | {_f(v['balanced_accuracy'])} |"
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
            lines.append(f"| {name} | {v['recordings']} | {_f(v['auroc'])} |")
        lines.append("")
    lines.append(f"Computed on {report['device']} in {report['seconds']} s.")
    return "\n".join(lines) + "\n"
