"""Evaluating an ECG checkpoint: zero-shot, linear probes, retrieval, a supervised baseline.

``elm-desktop evaluate --model CHECKPOINT --corpus ECG_CORPUS`` comes here when the checkpoint
is an ECG model. On the corpus's test split (patients never seen in training):

- **zero-shot**: every knowledge-base finding (``ecg_phenotypes.toml``) scored as the program
  scores it (cosine to the ensembled positive prompts minus cosine to the contrast prompts,
  through the model's temperature), with knowledge-enhanced (CKEPE-style) and plain prompts;
  AUROC per class, macro over the classes with at least :data:`MIN_POSITIVES` test positives;
- **linear probes**: one logistic regression per class on the frozen ECG embeddings, fitted on
  1, 10 and 100 % of the training records (the same random subset for every class; ``C``
  chosen on the val split), macro AUROC over the same classes;
- **supervised baseline**: the same ResNet18-1D (same width) with a linear head trained from
  scratch on 100 % of the training labels (multi-label binary cross-entropy);
- **retrieval**: ECG -> report among the test records' cardiologist reports (each report is
  the normalised mean of its projected sentences); a hit when a report within the top k has the
  record's own report text (identical templated reports tie, so they count as the same report).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from elm_desktop.clinical.evaluation import calibrate_thresholds, rule_out_bars, thresholds_toml
from elm_desktop.clinical.knowledge import load_knowledge_base
from elm_desktop.clinical.metrics import auroc
from elm_desktop.clinical.zeroshot import build_prompt_bank, score_findings
from elm_desktop.paths import RESOURCES
from elm_desktop.progress import ProgressCallback
from elm_desktop.training.ecg.data import (
    ECG_CLASSES,
    EcgCache,
    build_ecg_cache,
    report_sentences,
)
from elm_desktop.training.ecg.model import MerlModel, ResNet18_1d, read_notes
from elm_desktop.training.trainer import choose_device

ECG_PHENOTYPES = RESOURCES / "ecg_phenotypes.toml"
MIN_POSITIVES = 10
LABEL_FRACTIONS = (0.01, 0.1, 1.0)
PROBE_C = (0.01, 0.1, 1.0)
PROBE_C_CV = tuple(float(c) for c in np.logspace(-3, 1, 9))
RECALL_K = (1, 5, 10)


@dataclass
class EcgEvaluationOptions:
    """What ``evaluate`` does for an ECG model."""

    split: str = "test"
    seed: int = 0
    baseline_epochs: int = 10
    probe: bool = True
    device: str = "auto"


#: Rows of aVL and aVF in the model input (I, II, III, aVR, aVL, aVF, V1-V6).
AVL_AVF = (4, 5)


@torch.no_grad()
def embed_ecgs(
    model: MerlModel,
    cache: EcgCache,
    ids: np.ndarray,
    device,
    batch: int = 64,
    swap: tuple[int, int] | None = None,
):
    """L2-normalised ECG embeddings [len(ids), d] in the order of ``ids``.

    ``swap`` exchanges two leads of the input first (a file whose labels were exchanged).
    """
    model.eval()
    out = []
    for start in range(0, len(ids), batch):
        x = torch.from_numpy(np.asarray(cache.inputs[ids[start : start + batch]], np.float32))
        if swap is not None:
            x[:, list(swap)] = x[:, list(swap[::-1])]
        out.append(F.normalize(model.encode(x.to(device)).float(), dim=1).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, model.config.embed_dim), np.float32)


def _auroc(truth: np.ndarray, scores: np.ndarray) -> float | None:
    if truth.min() == truth.max():
        return None
    value = auroc(truth.astype(bool), scores)
    return None if np.isnan(value) else float(value)


def _macro(per_class: dict[str, dict[str, Any]], key: str = "auroc") -> float | None:
    values = [
        v[key] for v in per_class.values() if v["positives"] >= MIN_POSITIVES and v[key] is not None
    ]
    return float(np.mean(values)) if values else None


def zero_shot_ecg(
    model: MerlModel,
    encoder,
    embeddings: np.ndarray,
    labels: np.ndarray,
    device,
    phenotypes: Path = ECG_PHENOTYPES,
    keep_probabilities: bool = False,
) -> dict[str, Any]:
    """Zero-shot AUROC per class with knowledge and plain prompts (see the module docstring).

    With ``keep_probabilities`` each style's entry also holds the probabilities [n, classes].
    """
    kb = load_knowledge_base(phenotypes, user_path=os.devnull)

    @torch.no_grad()
    def embed_text(texts):
        pooled = encoder.embed(list(texts)).to(device)
        model.text_projector.eval()
        return F.normalize(model.project_text(pooled).float(), dim=1).cpu().numpy()

    results: dict[str, Any] = {}
    for style in ("knowledge", "plain"):
        bank = build_prompt_bank(kb, embed_text, style)
        probabilities = np.array(
            [
                [
                    s.probability
                    for s in score_findings(
                        kb, bank, e[None], e, np.zeros(1), 10.0, model.config.temperature
                    )
                ]
                for e in embeddings
            ]
        )
        per_class = {}
        for column, finding_id in enumerate(bank.finding_ids):
            truth = labels[:, ECG_CLASSES.index(finding_id)]
            per_class[finding_id] = {
                "positives": int(truth.sum()),
                "auroc": _auroc(truth, probabilities[:, column]),
            }
        results[style] = {
            "classes": per_class,
            "macro_auroc": _macro(per_class),
            "macro_over": [k for k, v in per_class.items() if v["positives"] >= MIN_POSITIVES],
        }
        if keep_probabilities:
            results[style]["probabilities"] = probabilities
    return results


def lead_swap(
    model: MerlModel,
    encoder,
    cache: EcgCache,
    ids: np.ndarray,
    labels: np.ndarray,
    device,
) -> dict[str, Any]:
    """What exchanging aVL and aVF does to the zero-shot scores (knowledge prompts).

    The reader names such a swap in its warnings (docs/ecg.md); this measures what the model
    alone would do with it: the probability change per record and class, the records whose
    present / absent call (probability >= the threshold, 0.5) changes for some class, and the
    macro AUROC on the swapped inputs.
    """
    runs = []
    for swap in (None, AVL_AVF):
        embedded = embed_ecgs(model, cache, ids, device, swap=swap)
        runs.append(
            zero_shot_ecg(model, encoder, embedded, labels, device, keep_probabilities=True)
        )
    before = runs[0]["knowledge"]["probabilities"]
    after = runs[1]["knowledge"]["probabilities"]
    change = np.abs(after - before)
    flipped = ((before >= 0.5) != (after >= 0.5)).any(axis=1)
    return {
        "mean_abs_change": float(change.mean()),
        "max_abs_change": float(change.max()),
        "records_with_a_changed_call": int(flipped.sum()),
        "records": int(len(ids)),
        "macro_auroc": runs[0]["knowledge"]["macro_auroc"],
        "macro_auroc_swapped": runs[1]["knowledge"]["macro_auroc"],
    }


#: Bootstrap resamples of the val split behind each ECG threshold (see
#: :func:`~elm_desktop.clinical.evaluation.calibrate_thresholds`).
THRESHOLD_RESAMPLES = 200


def calibrated_thresholds(
    probabilities: np.ndarray, labels: np.ndarray, corpus: str, style: str = "knowledge"
) -> str:
    """Per class, the bagged threshold of maximum F1 on these records, as a ``phenotypes.toml``.

    Each class's AUROC on these records goes beside its threshold (``calibration_auroc``: how
    much support the threshold has; the ECG draft states no finding with too little), and its
    rule-out bar where it has enough positives (``rule_out``,
    :func:`~elm_desktop.clinical.evaluation.rule_out_bars`: under it, a score rules the
    finding out; over it and under the threshold, the draft calls it not ruled out rather than
    absent). Classes without a positive keep the knowledge base's 0.5 and no AUROC (they are
    left out of the file). ``style`` is the prompt style the probabilities came from; the file
    sets it.
    """
    columns = {name: column for column, name in enumerate(ECG_CLASSES)}
    truth = {name: labels[:, column].astype(bool) for name, column in columns.items()}
    scored = {name: probabilities[:, column] for name, column in columns.items()}
    thresholds = calibrate_thresholds(truth, scored, resamples=THRESHOLD_RESAMPLES)
    note = (
        f"ECG thresholds of maximum F1 on the val split of {corpus}, the median over "
        f"{THRESHOLD_RESAMPLES} bootstrap resamples ({style} prompts, the style of the higher val "
        "macro AUROC)"
    )
    aurocs = {name: _auroc(truth[name], scored[name]) for name in thresholds}
    return thresholds_toml(thresholds, note, style, aurocs, rule_out_bars(truth, scored))


def _subset(n: int, fraction: float, rng: np.random.Generator) -> np.ndarray:
    return np.sort(rng.choice(n, max(1, int(round(fraction * n))), replace=False))


def fit_probe(
    x: np.ndarray,
    y: np.ndarray,
    val_x: np.ndarray,
    val_y: np.ndarray,
    selection: str = "val",
):
    """A class-balanced logistic regression on standardised embeddings, or None.

    Parameters
    ----------
    x, y
        The labelled training embeddings and one class's 0/1 labels.
    val_x, val_y
        The val split's embeddings and labels (used only with ``selection="val"``).
    selection
        ``"val"``: ``C`` in :data:`PROBE_C` of the highest val AUROC (the first figures);
        ``"cv"``: ``C`` in :data:`PROBE_C_CV` of the highest mean AUROC over stratified folds
        of ``x`` itself (at most five; one per positive when fewer), so the probe sees no label
        beyond its own fraction; with a single positive, ``C = 0.1``.

    Returns
    -------
    sklearn.pipeline.Pipeline or None
        The fitted probe (``predict_proba``), None when ``y`` holds a single class.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if y.min() == y.max():
        return None

    def make(c: float):
        return make_pipeline(
            StandardScaler(), LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        )

    if selection == "val":
        best = None
        for c in PROBE_C:
            probe = make(c).fit(x, y)
            score = _auroc(val_y, probe.predict_proba(val_x)[:, 1]) or 0.0
            if best is None or score > best[0]:
                best = (score, probe)
        return best[1]
    if selection != "cv":
        raise ValueError(f"probe selection {selection!r}: expected 'val' or 'cv'")
    folds = int(min(5, y.sum(), len(y) - y.sum()))
    if folds < 2:
        return make(0.1).fit(x, y)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    scores = []
    for c in PROBE_C_CV:
        fold_scores = []
        for fit_rows, held_rows in splitter.split(x, y):
            probe = make(c).fit(x[fit_rows], y[fit_rows])
            fold_scores.append(_auroc(y[held_rows], probe.predict_proba(x[held_rows])[:, 1]) or 0)
        scores.append(float(np.mean(fold_scores)))
    return make(PROBE_C_CV[int(np.argmax(scores))]).fit(x, y)


def linear_probes(
    train_x: np.ndarray,
    train_y: np.ndarray,
    val_x: np.ndarray,
    val_y: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    seed: int,
    selection: str = "val",
) -> dict[str, Any]:
    """One-vs-rest logistic regression per class at each label fraction (module docstring).

    ``selection`` is how each probe's ``C`` is chosen (:func:`fit_probe`).
    """
    rng = np.random.default_rng(seed)
    results: dict[str, Any] = {}
    for fraction in LABEL_FRACTIONS:
        chosen = _subset(len(train_x), fraction, rng)
        per_class = {}
        for column, name in enumerate(ECG_CLASSES):
            y = train_y[chosen, column]
            entry: dict[str, Any] = {"positives": int(test_y[:, column].sum()), "auroc": None}
            entry["train_positives"] = int(y.sum())
            probe = fit_probe(train_x[chosen], y, val_x, val_y[:, column], selection)
            if probe is not None:
                entry["auroc"] = _auroc(test_y[:, column], probe.predict_proba(test_x)[:, 1])
            per_class[name] = entry
        results[f"{round(fraction * 100)}%"] = {
            "records": int(len(chosen)),
            "classes": per_class,
            "macro_auroc": _macro(per_class),
            "unfitted": [
                k
                for k, v in per_class.items()
                if v["positives"] >= MIN_POSITIVES and v["auroc"] is None
            ],
        }
    return results


def supervised_baseline(
    cache: EcgCache,
    train_ids: np.ndarray,
    test_ids: np.ndarray,
    width: int,
    epochs: int,
    seed: int,
    device,
    batch: int = 64,
) -> dict[str, Any]:
    """ResNet18-1D + linear head trained on 100 % of the training labels; test AUROC per class."""
    torch.manual_seed(seed)
    encoder = ResNet18_1d(width).to(device)
    head = torch.nn.Linear(encoder.out_channels, len(ECG_CLASSES)).to(device)
    network = torch.nn.ModuleList([encoder, head])
    optimizer = torch.optim.AdamW(network.parameters(), lr=1e-3, weight_decay=1e-4)
    labels = torch.from_numpy(cache.labels.astype(np.float32))
    positive = labels[train_ids].sum(0)
    pos_weight = ((len(train_ids) - positive) / positive.clamp(min=1)).clamp(max=50).to(device)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    steps = max(1, len(train_ids) // batch)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, 1e-3, total_steps=epochs * steps)
    for _ in range(epochs):
        network.train()
        order = rng.permutation(train_ids)
        for index in range(steps):
            picked = np.sort(order[index * batch : (index + 1) * batch])
            x = torch.from_numpy(np.asarray(cache.inputs[picked], np.float32)).to(device)
            logits = head(encoder(x).mean(dim=2))
            loss = F.binary_cross_entropy_with_logits(
                logits, labels[picked].to(device), pos_weight=pos_weight
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
    network.eval()
    scores = []
    with torch.no_grad():
        for start in range(0, len(test_ids), batch):
            x = torch.from_numpy(
                np.asarray(cache.inputs[test_ids[start : start + batch]], np.float32)
            )
            scores.append(torch.sigmoid(head(encoder(x.to(device)).mean(dim=2))).cpu().numpy())
    probabilities = np.concatenate(scores)
    test_y = cache.labels[test_ids]
    per_class = {
        name: {
            "positives": int(test_y[:, c].sum()),
            "auroc": _auroc(test_y[:, c], probabilities[:, c]),
        }
        for c, name in enumerate(ECG_CLASSES)
    }
    return {
        "epochs": epochs,
        "records": int(len(train_ids)),
        "width": width,
        "seconds": round(time.perf_counter() - started, 1),
        "classes": per_class,
        "macro_auroc": _macro(per_class),
    }


@torch.no_grad()
def report_retrieval(
    model: MerlModel, encoder, cache: EcgCache, ids: np.ndarray, embeddings: np.ndarray, device
) -> dict[str, Any]:
    """ECG -> report recall@k among the split's reports (module docstring)."""
    model.eval()
    reports = [str(cache.records[i]["report"]) for i in ids]
    vectors = []
    for text in reports:
        sentences = report_sentences({"report": text}, ["report"], drop_negations=False)
        pooled = encoder.embed(sentences or [text]).to(device)
        projected = F.normalize(model.project_text(pooled).float(), dim=1).mean(0)
        vectors.append(F.normalize(projected, dim=0).cpu().numpy())
    similarity = embeddings @ np.stack(vectors).T
    order = np.argsort(-similarity, axis=1)
    texts = np.array(reports, dtype=object)
    out: dict[str, Any] = {"pool": len(ids), "distinct_reports": len(set(reports))}
    for k in RECALL_K:
        hits = [texts[i] in set(texts[order[i, :k]]) for i in range(len(ids))]
        out[f"R@{k}"] = float(np.mean(hits))
    return out


def evaluate_ecg(
    model_dir: str | Path,
    corpus: str | Path,
    out_dir: str | Path,
    options: EcgEvaluationOptions | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Path]:
    """Evaluate an ECG checkpoint on a corpus; write ``evaluation.json`` and ``evaluation.md``."""
    from elm_desktop.training.text import TextEncoder

    options = options or EcgEvaluationOptions()
    device = choose_device(options.device)
    model = MerlModel.load(model_dir).to(device)
    cache = build_ecg_cache(corpus, None, model.config.normalisation, progress)
    encoder = TextEncoder(model.config.text_model, model.config.pooling, model.config.max_length)
    test_ids = cache.split_indices(options.split)
    test_x = embed_ecgs(model, cache, test_ids, device)
    test_y = cache.labels[test_ids]
    report: dict[str, Any] = {
        "model": str(Path(model_dir)),
        "corpus": Path(corpus).name,
        "split": options.split,
        "records": int(len(test_ids)),
        "training": read_notes(model_dir),
        "min_positives": MIN_POSITIVES,
        "zero_shot": zero_shot_ecg(model, encoder, test_x, test_y, device),
        "retrieval": report_retrieval(model, encoder, cache, test_ids, test_x, device),
        "lead_swap": lead_swap(model, encoder, cache, test_ids, test_y, device),
    }
    val_ids = cache.split_indices("val")
    val_x = embed_ecgs(model, cache, val_ids, device)
    if len(val_ids):
        val_zero_shot = zero_shot_ecg(
            model, encoder, val_x, cache.labels[val_ids], device, keep_probabilities=True
        )
        # The prompt style the program scores with is chosen here, on val, never on test.
        style = max(("knowledge", "plain"), key=lambda k: val_zero_shot[k]["macro_auroc"] or 0)
        report["val_macro_auroc"] = {
            k: val_zero_shot[k]["macro_auroc"] for k in ("knowledge", "plain")
        }
        report["prompt_style_chosen_on_val"] = style
        thresholds = calibrated_thresholds(
            val_zero_shot[style]["probabilities"], cache.labels[val_ids], Path(corpus).name, style
        )
    if options.probe:
        train_ids = cache.split_indices("train")
        train_x = embed_ecgs(model, cache, train_ids, device)
        report["linear_probe"] = linear_probes(
            train_x,
            cache.labels[train_ids],
            val_x,
            cache.labels[val_ids],
            test_x,
            test_y,
            options.seed,
        )
        if options.baseline_epochs > 0:
            report["supervised"] = supervised_baseline(
                cache,
                train_ids,
                test_ids,
                model.config.width,
                options.baseline_epochs,
                options.seed,
                device,
            )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "evaluation.json", "markdown": out_dir / "evaluation.md"}
    paths["json"].write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    paths["markdown"].write_text(ecg_markdown(report), encoding="utf-8")
    if len(val_ids):  # for the checkpoint's phenotypes.toml, which the export carries
        paths["thresholds"] = out_dir / "thresholds.toml"
        paths["thresholds"].write_text(thresholds, encoding="utf-8")
    return paths


def _fig(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def ecg_markdown(report: dict[str, Any]) -> str:
    """The evaluation as a markdown page."""
    zs = report["zero_shot"]
    lines = [
        f"# ECG model evaluation: {report['corpus']}, {report['split']} split "
        f"({report['records']} records)",
        "",
        f"Macro AUROC over the classes with >= {report['min_positives']} positives.",
        "",
        "| class | positives | zero-shot knowledge | zero-shot plain"
        + (" | probe 10 % | supervised 100 % |" if "linear_probe" in report else " |"),
        "|---|---|---|---" + ("|---|---|" if "linear_probe" in report else "|"),
    ]
    for name, entry in zs["knowledge"]["classes"].items():
        row = (
            f"| {name} | {entry['positives']} | {_fig(entry['auroc'])} | "
            f"{_fig(zs['plain']['classes'][name]['auroc'])} |"
        )
        if "linear_probe" in report:
            probe = report["linear_probe"]["10%"]["classes"][name]["auroc"]
            supervised = report.get("supervised", {}).get("classes", {}).get(name, {})
            row += f" {_fig(probe)} | {_fig(supervised.get('auroc'))} |"
        lines.append(row)
    lines += [
        "",
        f"- zero-shot macro AUROC, knowledge prompts: {_fig(zs['knowledge']['macro_auroc'])}",
        f"- zero-shot macro AUROC, plain prompts: {_fig(zs['plain']['macro_auroc'])}",
    ]
    if "linear_probe" in report:
        for fraction, entry in report["linear_probe"].items():
            unfitted = (
                f" (no positive in the subset: {', '.join(entry['unfitted'])})"
                if entry["unfitted"]
                else ""
            )
            lines.append(
                f"- linear probe at {fraction} ({entry['records']} records): macro AUROC "
                f"{_fig(entry['macro_auroc'])}{unfitted}"
            )
    if "supervised" in report:
        sup = report["supervised"]
        lines.append(
            f"- supervised ResNet18-1D (width {sup['width']}, {sup['epochs']} epochs, "
            f"{sup['records']} records, {sup['seconds']} s): macro AUROC {_fig(sup['macro_auroc'])}"
        )
    swap = report["lead_swap"]
    lines.append(
        f"- aVL and aVF exchanged: probabilities move by {swap['mean_abs_change']:.3f} on "
        f"average (at most {swap['max_abs_change']:.3f}); {swap['records_with_a_changed_call']} "
        f"of {swap['records']} records change a present/absent call; macro AUROC "
        f"{_fig(swap['macro_auroc'])} -> {_fig(swap['macro_auroc_swapped'])}"
    )
    ret = report["retrieval"]
    lines.append(
        f"- ECG -> report among {ret['pool']} reports ({ret['distinct_reports']} distinct): "
        + ", ".join(f"R@{k} {ret[f'R@{k}']:.3f}" for k in RECALL_K)
    )
    return "\n".join(lines) + "\n"
