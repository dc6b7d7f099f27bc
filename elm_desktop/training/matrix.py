"""The train family x test family matrix: every model on every corpus, cross-family first.

Each model is evaluated on each corpus's split exactly as :func:`~elm_desktop.training.evaluate.
evaluate` does it (the full report of every cell is kept), embedding each corpus once per model
and the probe corpus once per model; the supervised baseline does not depend on the model and
is trained once.

* A model's **training families** come from the manifest of the corpus its
  ``training_config.json`` names (the families of its ``train`` split), else from the
  ``training_data`` statement of its checkpoint notes ("(... family)"); else they are unknown.
* A corpus's **families** are those of the evaluated recordings' manifest entries (``family``,
  :data:`~elm_desktop.synth.families.DEFAULT_FAMILY` when absent).
* A cell is **cross-family** when none of the corpus's families is among the model's training
  families, **in-family** when all are, **mixed** otherwise, **unknown** when the model's
  training families are. The summary averages each model's cross-family cells (the figure that
  counts) and, below, its in-family cells.
* **Prompt style**: per model, plain against knowledge-enhanced prompts (normal-vs-abnormal and
  macro AUROC) on validation material: every recording of the *style corpora* when some are
  given (corpora kept apart from the test corpora, so that the choice never sees a test
  recording), else each test corpus's ``val`` split. The recommended default is the style with
  the higher mean over every model's cross-family validation comparisons, or, when those do not
  decide (none, or a zero mean), over the cross-family cells of the evaluated split.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from elm_desktop.errors import ConfigError
from elm_desktop.progress import ProgressCallback
from elm_desktop.synth import MANIFEST_NAME, read_manifest
from elm_desktop.synth.families import DEFAULT_FAMILY
from elm_desktop.training.data import CropCache
from elm_desktop.training.evaluate import (
    MIN_POSITIVES,
    EvaluationOptions,
    SupervisedBaseline,
    embed_recordings,
    evaluate_split,
    figure_text,
    model_thresholds,
    open_corpus,
    probe_data,
    split_recordings,
    supervised_for,
    to_markdown,
    write_reports,
    zero_shot,
)
from elm_desktop.training.model import ElmModel, read_checkpoint_notes
from elm_desktop.training.text import TextEncoder
from elm_desktop.training.trainer import CONFIG_FILE, choose_device

STYLES = ("plain", "knowledge")
IN_FAMILY, CROSS_FAMILY, MIXED, UNKNOWN = "in-family", "cross-family", "mixed", "unknown"

#: The matrix's figures: (heading, keys of :func:`cell_figures`); a pair is plain / knowledge.
FIGURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "zero-shot normal vs abnormal AUROC (plain / knowledge)",
        ("normal_plain", "normal_knowledge"),
    ),
    (
        f"zero-shot macro AUROC, findings with >= {MIN_POSITIVES} positives (plain / knowledge)",
        ("macro_plain", "macro_knowledge"),
    ),
    (
        "zero-shot macro AUROC over the findings every test corpus shares (plain / knowledge)",
        ("common_macro_plain", "common_macro_knowledge"),
    ),
    ("EEG -> report R@10", ("eeg_to_report_R@10",)),
    ("linear probe AUROC, 100 % of labels", ("probe_auroc",)),
    ("attention localisation AUROC, spikes", ("localisation_spikes",)),
    (
        "spikes where the program shows them: segments' AUROC (plain / knowledge)",
        ("spike_segments_plain", "spike_segments_knowledge"),
    ),
    ("attention localisation AUROC, seizures", ("localisation_seizures",)),
    ("attention localisation AUROC, periodic discharges", ("localisation_periodic",)),
)
_NOTES_FAMILIES = re.compile(r"\(([^()]*) family\)")


def training_corpora(model_dir: str | Path) -> list[str]:
    """The corpus folders a checkpoint was trained on, as its training configuration names
    them; empty when it has none (an exported or imported model).

    Raises
    ------
    ConfigError
        The configuration is not valid JSON.
    """
    config_path = Path(model_dir) / CONFIG_FILE
    if not config_path.is_file():
        return []
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ConfigError(f"{config_path} is not valid JSON: {error}") from error
    corpus = config.get("data", {}).get("corpus")
    return corpus if isinstance(corpus, list) else [corpus] if corpus else []


def training_families(model_dir: str | Path) -> tuple[list[str] | None, str | None]:
    """The generator families a checkpoint was trained on, and where that was read.

    Returns ``(families, source)``; ``(None, None)`` when neither the training corpus's
    manifest nor the checkpoint notes say.
    """
    manifests = [Path(c) / MANIFEST_NAME for c in training_corpora(model_dir)]
    if manifests and all(m.is_file() for m in manifests):  # one corpus, or several joined
        families = set()
        for manifest in manifests:
            entries = read_manifest(manifest)
            trained = [e for e in entries if e.get("split") == "train"] or entries
            families |= {e.get("family", DEFAULT_FAMILY) for e in trained}
        return sorted(families), "training corpus"
    statement = str(read_checkpoint_notes(model_dir).get("training_data", ""))
    match = _NOTES_FAMILIES.search(statement)
    if match:
        return sorted(name.strip() for name in match.group(1).split(",")), "checkpoint notes"
    return None, None


def corpus_families(cache: CropCache, recordings: np.ndarray) -> list[str]:
    """The generator families of the given recordings' manifest entries."""
    return sorted({cache.recordings[int(r)].get("family", DEFAULT_FAMILY) for r in recordings})


def relation(trained_on: Sequence[str] | None, tested_on: Sequence[str]) -> str:
    """``in-family``, ``cross-family``, ``mixed`` or ``unknown`` (see the module docstring)."""
    if trained_on is None:
        return UNKNOWN
    shared = set(tested_on) & set(trained_on)
    if not shared:
        return CROSS_FAMILY
    return IN_FAMILY if shared == set(tested_on) else MIXED


def select_recordings(embedded: dict[str, Any], positions: np.ndarray) -> dict[str, Any]:
    """The part of :func:`embed_recordings`'s output that belongs to ``positions`` (in order).

    Attention weights are normalised within each recording, so they stay valid.
    """
    keep = np.isin(embedded["crop_owner"], positions)
    renumber = np.full(len(embedded["recording"]), -1)
    renumber[positions] = np.arange(len(positions))
    return {
        "crops": embedded["crops"][keep],
        "weights": embedded["weights"][keep],
        "recording": embedded["recording"][positions],
        "crop_owner": renumber[embedded["crop_owner"][keep]],
        "crop_index": embedded["crop_index"][keep],
    }


def embedder(
    model: ElmModel,
    cache: CropCache,
    device: torch.device,
    held: tuple[np.ndarray, dict[str, Any]] | None = None,
) -> Callable[[np.ndarray], dict[str, Any]]:
    """Embed recordings of ``cache``; those of ``held`` (recordings, their embedding) are reused."""

    def embed(ids: np.ndarray) -> dict[str, Any]:
        if held is not None and np.isin(ids, held[0]).all():
            return select_recordings(held[1], np.flatnonzero(np.isin(held[0], ids)))
        return embed_recordings(model, cache, ids, device)

    return embed


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def common_findings(reports: Sequence[dict[str, Any]]) -> list[str]:
    """Findings with an AUROC and >= MIN_POSITIVES positives in every report with zero-shot.

    Positives depend only on the corpus, so every test corpus is compared on the same rows.
    """
    shared: set[str] | None = None
    for report in reports:
        if "zero_shot" not in report:
            continue
        findings = report["zero_shot"]["plain"]["findings"]
        usable = {
            name
            for name, v in findings.items()
            if v["auroc"] is not None and v["positives"] >= MIN_POSITIVES
        }
        shared = usable if shared is None else shared & usable
    return sorted(shared or ())


def cell_figures(report: dict[str, Any], common: Sequence[str]) -> dict[str, float | None]:
    """The matrix's figures (keys of :data:`FIGURES`) from one evaluation report."""
    figures: dict[str, float | None] = {}
    zero = report.get("zero_shot")
    for style in STYLES:
        findings = zero[style]["findings"] if zero else {}
        figures[f"normal_{style}"] = findings.get("normal", {}).get("auroc")
        figures[f"macro_{style}"] = zero[style]["macro_auroc"] if zero else None
        figures[f"spike_segments_{style}"] = (
            zero[style]["spike_segments"]["auroc"] if zero else None
        )
        figures[f"common_macro_{style}"] = (
            _mean([findings[name]["auroc"] for name in common]) if zero and common else None
        )
    retrieval = report.get("retrieval")
    figures["eeg_to_report_R@10"] = retrieval["eeg_to_report"]["R@10"] if retrieval else None
    probe = report.get("linear_probe")
    figures["probe_auroc"] = probe["100%"]["auroc"] if probe else None
    located = report.get("localisation", {})
    for key, name in (
        ("spikes", "spikes"),
        ("seizures", "seizures"),
        ("periodic", "periodic discharges"),
    ):
        figures[f"localisation_{key}"] = located.get(name, {}).get("auroc")
    return figures


def summary_rows(models: list[dict], cells: list[dict]) -> list[dict[str, Any]]:
    """Per model, the mean of each figure over its cross-family cells, then its in-family ones."""
    rows = []
    for kind in (CROSS_FAMILY, IN_FAMILY):
        for model in models:
            mine = [c for c in cells if c["model"] == model["model"] and c["relation"] == kind]
            keys = mine[0]["figures"] if mine else cells[0]["figures"]
            rows.append(
                {
                    "model": model["model"],
                    "relation": kind,
                    "cells": len(mine),
                    "figures": {k: _mean([c["figures"][k] for c in mine]) for k in keys},
                }
            )
    return rows


def _better(plain: float | None, knowledge: float | None) -> str | None:
    if plain is None or knowledge is None:
        return None
    return "plain" if plain > knowledge else "knowledge" if knowledge > plain else "tie"


def _style_figures(zero: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    return {
        style: {
            "normal": zero[style]["findings"].get("normal", {}).get("auroc"),
            "macro": zero[style]["macro_auroc"],
        }
        for style in STYLES
    }


def prompt_style(
    models: list[dict], cells: list[dict], validation: list[dict], split: str
) -> dict[str, Any]:
    """Which prompt style transfers: per model on each corpus's val split, and the default.

    ``validation`` holds, per model and validation corpus, ``{"model", "corpus", "split",
    "relation", "recordings", "plain": {"normal", "macro"}, "knowledge": {...}}``.
    """
    per_model = []
    for model in models:
        name = model["model"]
        cross = [c for c in cells if c["model"] == name and c["relation"] == CROSS_FAMILY]
        cross_figures = {
            style: {
                figure: _mean([c["figures"][f"{figure}_{style}"] for c in cross])
                for figure in ("normal", "macro")
            }
            for style in STYLES
        }
        per_model.append(
            {
                "model": name,
                "validation": [
                    v
                    | {
                        "better": {
                            figure: _better(v["plain"][figure], v["knowledge"][figure])
                            for figure in ("normal", "macro")
                        }
                    }
                    for v in validation
                    if v["model"] == name
                ],
                "cross_family_cells": {
                    "cells": len(cross),
                    **cross_figures,
                    "better": {
                        figure: _better(
                            cross_figures["plain"][figure], cross_figures["knowledge"][figure]
                        )
                        for figure in ("normal", "macro")
                    },
                },
            }
        )

    def differences(pairs):
        return [
            k[figure] - p[figure]
            for p, k in pairs
            for figure in ("normal", "macro")
            if p[figure] is not None and k[figure] is not None
        ]

    bases = (
        (
            "validation material of the cross-family corpora",
            differences(
                (v["plain"], v["knowledge"]) for v in validation if v["relation"] == CROSS_FAMILY
            ),
        ),
        (
            f"cross-family cells of split {split!r} (the validation splits did not decide)",
            differences(
                (
                    {f: c["figures"][f"{f}_plain"] for f in ("normal", "macro")},
                    {f: c["figures"][f"{f}_knowledge"] for f in ("normal", "macro")},
                )
                for c in cells
                if c["relation"] == CROSS_FAMILY
            ),
        ),
    )
    # The first basis whose comparisons prefer one style decides.
    basis, found = next(
        ((name, found) for name, found in bases if _mean(found)),
        ("no cross-family comparison prefers a style", []),
    )
    mean = _mean(found)
    return {
        "models": per_model,
        "recommended": None if mean is None else _better(0.0, mean),
        "basis": basis,
        "comparisons": len(found),
        "knowledge_minus_plain": mean,
        "knowledge_wins": sum(d > 0 for d in found),
        "plain_wins": sum(d < 0 for d in found),
    }


@dataclass
class _Run:
    """What every cell of a matrix shares: options, opened caches and trained baselines."""

    corpora: Sequence[str | Path]
    cache_dirs: Sequence[str | Path] | None
    options: EvaluationOptions
    style_corpora: Sequence[str | Path]
    device: torch.device
    progress: ProgressCallback | None
    caches: dict[tuple[int, int], CropCache] = field(default_factory=dict)
    baselines: dict[tuple[int, int], SupervisedBaseline | None] = field(default_factory=dict)

    def cache(self, index: int, window: int) -> CropCache:
        """Corpus ``index`` preprocessed for ``window`` s crops.

        -1 is the probe corpus; indices past the test corpora are the style corpora.
        """
        if (index, window) not in self.caches:
            if index < 0:
                path, chosen = self.options.train_corpus, self.options.train_cache_dir
            elif index >= len(self.corpora):
                path, chosen = self.style_corpora[index - len(self.corpora)], None
            else:
                path = self.corpora[index]
                chosen = self.cache_dirs[index] if self.cache_dirs else None
            self.caches[index, window] = open_corpus(
                path, chosen, window, self.options.workers, self.progress
            )
        return self.caches[index, window]

    def baseline(self, index: int, window: int) -> SupervisedBaseline | None:
        """The supervised baseline on corpus ``index``'s train split, trained once."""
        if (index, window) not in self.baselines:
            self.baselines[index, window] = supervised_for(
                self.cache(index, window),
                self.options.baseline_epochs,
                window,
                self.options.seed,
                self.device,
            )
        return self.baselines[index, window]


def _evaluate_model(run: _Run, model_dir: str | Path) -> tuple[dict, list, list, list]:
    """One model on every corpus: its row, cells, validation comparisons and full reports."""
    model = ElmModel.load(model_dir)
    window = model.config.window_s
    families, source = training_families(model_dir)
    row = {"model": str(model_dir), "training_families": families, "from": source}
    probe_index = -1 if run.options.train_corpus is not None else None
    shared_probes = None
    if run.options.probe and probe_index is not None:
        train_cache = run.cache(probe_index, window)
        shared_probes = probe_data(train_cache, embedder(model, train_cache, run.device))
    cells, validation, reports = [], [], []
    for index, corpus in enumerate(run.corpora):
        started = time.perf_counter()
        cache = run.cache(index, window)
        recordings = split_recordings(cache, run.options.split)
        embedded = embed_recordings(model, cache, recordings, run.device)
        embed = embedder(model, cache, run.device, (recordings, embedded))
        probes, baseline = None, None
        if run.options.probe:
            probes = shared_probes if probe_index is not None else probe_data(cache, embed)
            baseline = run.baseline(index if probe_index is None else probe_index, window)
        report = evaluate_split(
            model,
            model_dir,
            corpus,
            cache,
            run.options.split,
            run.device,
            probes,
            baseline,
            run.options.seed,
            embedded,
        )
        kind = relation(families, corpus_families(cache, recordings))
        cells.append({"model": str(model_dir), "corpus": str(corpus), "relation": kind})
        if not run.style_corpora:
            validation += _style_comparison(
                model, model_dir, corpus, cache, "val", families, embed, run
            )
        report["seconds"] = round(time.perf_counter() - started, 1)
        report["device"] = run.device.type
        reports.append(report)
    for offset, corpus in enumerate(run.style_corpora):
        cache = run.cache(len(run.corpora) + offset, window)
        embed = embedder(model, cache, run.device)
        validation += _style_comparison(
            model, model_dir, corpus, cache, "all", families, embed, run
        )
    return row, cells, validation, reports


def _style_comparison(
    model: ElmModel,
    model_dir: str | Path,
    corpus: str | Path,
    cache: CropCache,
    split: str,
    families: list[str] | None,
    embed: Callable[[np.ndarray], dict[str, Any]],
    run: _Run,
) -> list[dict[str, Any]]:
    """Plain against knowledge prompts on one split of a corpus (none without text or recordings)."""
    ids = np.arange(len(cache)) if split == "all" else cache.split_indices(split)
    if model.text_projector is None or not len(ids):
        return []
    config = model.config
    encoder = TextEncoder(config.text_model, config.pooling, config.max_length)
    zero = zero_shot(
        model, encoder, embed(ids), cache, ids, run.device, model_thresholds(model_dir)
    )
    return [
        {
            "model": str(model_dir),
            "corpus": str(corpus),
            "split": split,
            "relation": relation(families, corpus_families(cache, ids)),
            "recordings": int(len(ids)),
            **_style_figures(zero),
        }
    ]


def evaluate_matrix(
    model_dirs: Sequence[str | Path],
    corpora: Sequence[str | Path],
    out_dir: str | Path,
    cache_dirs: Sequence[str | Path] | None = None,
    options: EvaluationOptions | None = None,
    progress: ProgressCallback | None = None,
    style_corpora: Sequence[str | Path] = (),
) -> dict[str, Path]:
    """Evaluate every model on every corpus; write the matrix as ``evaluation.md`` / ``.json``.

    ``options`` are those of :func:`~elm_desktop.training.evaluate.evaluate`;
    ``style_corpora``, when given, are the validation material that chooses the prompt style
    (every recording of each), in place of the test corpora's ``val`` splits;
    ``cache_dirs`` gives one cache folder per corpus, in order. Without ``train_corpus`` the
    probes of each cell fit on that cell's corpus, as a single evaluation does. The JSON holds
    ``matrix`` (models with their training families, corpora with theirs, the findings every
    corpus shares, the summary rows and every cell's figures and relation), ``prompt_style``,
    ``evaluations`` (every cell's full report, as a single evaluation writes it, in cell order),
    ``seconds`` and ``device``.
    """
    if cache_dirs and len(cache_dirs) != len(corpora):
        raise ConfigError(
            f"{len(cache_dirs)} cache folders for {len(corpora)} corpora: give one per corpus"
        )
    options = options or EvaluationOptions()
    split = options.split
    started = time.perf_counter()
    run = _Run(corpora, cache_dirs, options, style_corpora, choose_device(options.device), progress)
    models, cells, validation, reports = [], [], [], []
    for model_dir in model_dirs:
        row, model_cells, model_validation, model_reports = _evaluate_model(run, model_dir)
        models.append(row)
        cells += model_cells
        validation += model_validation
        reports += model_reports
    corpus_rows = []
    for index, corpus in enumerate(corpora):
        cache = next(c for (i, _), c in run.caches.items() if i == index)
        recordings = split_recordings(cache, split)
        corpus_rows.append(
            {
                "corpus": str(corpus),
                "families": corpus_families(cache, recordings),
                "recordings": int(len(recordings)),
                "val_recordings": int(len(cache.split_indices("val"))),
            }
        )
    common = common_findings(reports)
    for cell, report in zip(cells, reports, strict=True):
        cell["figures"] = cell_figures(report, common)
    result = {
        "matrix": {
            "split": split,
            "models": models,
            "corpora": corpus_rows,
            "common_findings": common,
            "summary": summary_rows(models, cells),
            "cells": cells,
        },
        "prompt_style": prompt_style(models, cells, validation, split),
        "evaluations": reports,
        "seconds": round(time.perf_counter() - started, 1),
        "device": run.device.type,
    }
    return write_reports(result, matrix_markdown(result), out_dir)


def _trained_on(model: dict[str, Any]) -> str:
    families = model["training_families"]
    return " + ".join(families) if families else "unknown training families"


def _cell(figures: dict[str, float | None], keys: Sequence[str]) -> str:
    return " / ".join(figure_text(figures[k]) for k in keys)


def matrix_markdown(result: dict[str, Any]) -> str:
    """Render :func:`evaluate_matrix`'s result: summary, matrix, prompt style, full tables."""
    matrix, style = result["matrix"], result["prompt_style"]
    models = {m["model"]: m for m in matrix["models"]}
    corpora = matrix["corpora"]
    headings = [heading for heading, _ in FIGURES]
    lines = [
        "# Cross-family evaluation matrix",
        "",
        f"{len(models)} model(s) x {len(corpora)} corpus(es), split `{matrix['split']}`. A cell "
        "is cross-family when none of the corpus's generator families is among the model's "
        "training families; the cross-family figures are the ones that count.",
        "",
        "## Summary: mean over each model's cross-family cells (then in-family cells)",
        "",
        "| model (trained on) | cells | " + " | ".join(headings) + " |",
        "|---|---|" + "---|" * len(FIGURES),
    ]
    for row in matrix["summary"]:
        values = " | ".join(_cell(row["figures"], keys) for _, keys in FIGURES)
        lines.append(
            f"| `{row['model']}` ({_trained_on(models[row['model']])}) | "
            f"{row['relation']}, {row['cells']} | {values} |"
        )
    common = ", ".join(matrix["common_findings"]) or "none"
    lines += [
        "",
        f"Findings every test corpus shares (>= {MIN_POSITIVES} positives each): {common}.",
        "",
        "## Matrix: rows are models, columns test corpora",
        "",
    ]
    header = "| model (trained on) | " + " | ".join(
        f"`{c['corpus']}` ({' + '.join(c['families'])}, {c['recordings']} rec.)" for c in corpora
    )
    cells = {(c["model"], c["corpus"]): c for c in matrix["cells"]}
    for heading, keys in FIGURES:
        lines += [f"### {heading}", "", header + " |", "|---|" + "---|" * len(corpora)]
        for name, model in models.items():
            row = [
                f"{_cell(cells[name, c['corpus']]['figures'], keys)} "
                f"({cells[name, c['corpus']]['relation']})"
                for c in corpora
            ]
            lines.append(f"| `{name}` ({_trained_on(model)}) | " + " | ".join(row) + " |")
        lines.append("")
    lines += [
        "## Prompt style",
        "",
        "Normal-vs-abnormal and macro AUROC, plain / knowledge prompts, on the validation "
        "material (the style corpora, every recording, when given; else each test corpus's "
        "`val` split), then the mean over the model's cross-family cells of the test corpora.",
        "",
        "| model | corpus | relation | recordings | normal plain / knowledge | better | "
        "macro plain / knowledge | better |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for entry in style["models"]:
        rows = [
            (f"`{v['corpus']}` {v['split']}", v["relation"], v["recordings"], v)
            for v in entry["validation"]
        ]
        cross = entry["cross_family_cells"]
        rows.append((f"cross-family cells ({matrix['split']})", "", cross["cells"], cross))
        for label, kind, count, v in rows:
            lines.append(
                f"| `{entry['model']}` | {label} | {kind} | {count} | "
                f"{figure_text(v['plain']['normal'])} / {figure_text(v['knowledge']['normal'])} | "
                f"{v['better']['normal'] or '–'} | "
                f"{figure_text(v['plain']['macro'])} / {figure_text(v['knowledge']['macro'])} | "
                f"{v['better']['macro'] or '–'} |"
            )
    if style["recommended"] is None:
        verdict = f"No recommendation: {style['basis']}."
    else:
        verdict = (
            f"Recommended default: **{style['recommended']}** (knowledge minus plain "
            f"{style['knowledge_minus_plain']:+.3f} on average over {style['comparisons']} "
            f"comparisons on the {style['basis']}; knowledge better in "
            f"{style['knowledge_wins']}, plain in {style['plain_wins']})."
        )
    lines += ["", verdict, "", "## Full tables per model and corpus", ""]
    for cell, report in zip(matrix["cells"], result["evaluations"], strict=True):
        body = to_markdown(report).splitlines()[1:]
        lines.append(f"### `{cell['model']}` on `{cell['corpus']}` ({cell['relation']})")
        lines += ["#" + line if line.startswith("## ") else line for line in body]
        lines.append("")
    lines.append(f"Computed on {result['device']} in {result['seconds']} s.")
    return "\n".join(lines) + "\n"
