"""The train family x test family matrix on real synthetic corpora of both generator families."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from elm_desktop.cli import main
from elm_desktop.errors import ConfigError
from elm_desktop.synth import read_manifest
from elm_desktop.training.config import DataConfig, ModelConfig, TrainingConfig
from elm_desktop.training.evaluate import EvaluationOptions, evaluate
from elm_desktop.training.matrix import (
    CROSS_FAMILY,
    FIGURES,
    IN_FAMILY,
    MIXED,
    UNKNOWN,
    prompt_style,
    relation,
    training_families,
)
from elm_desktop.training.model import ElmModel
from elm_desktop.training.trainer import CONFIG_FILE, describe_training_data

FN, DIPOLE = "filtered-noise", "dipole-spectral"


def _strict_json(path):
    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def _zero_shot(model, corpus, split, out):
    """The zero-shot section of a single evaluation of one split, without probes."""
    options = EvaluationOptions(split=split, probe=False, device="cpu")
    return _strict_json(evaluate(model, corpus, out, options=options)["json"])["zero_shot"]


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    """Six one-minute recordings of each family, written by ``elm-desktop synth``.

    The filtered-noise corpus's val split is set to one normal and one abnormal recording, so
    that its validation AUROC exists (six recordings give the generator a one-patient val).
    """
    root = tmp_path_factory.mktemp("families")
    paths = {}
    for family in (FN, DIPOLE):
        out = root / family
        argv = ["synth", "--family", family, "--out", str(out), "--n", "6", "--minutes", "1"]
        assert main([*argv, "--seed", "3", "--workers", "1"]) == 0
        paths[family] = out
    manifest = paths[FN] / "manifest.jsonl"
    entries = read_manifest(manifest)
    normal = [e for e in entries if not e["abnormal"]]
    abnormal = [e for e in entries if e["abnormal"]]
    assert len(normal) >= 2 and len(abnormal) >= 2, "seed 3 no longer gives both classes"
    for entry in entries:
        entry["split"] = "val" if entry in (normal[0], abnormal[0]) else "train"
    manifest.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def models(corpora, tmp_path_factory):
    """Two tiny checkpoints: one names its filtered-noise training corpus in
    ``training_config.json``, the other states dipole-spectral in its notes only."""
    root = tmp_path_factory.mktemp("models")
    fn_model = ElmModel.from_config(ModelConfig(attention_hidden=8), seed=0).save(root / "fn")
    config = TrainingConfig(data=DataConfig(corpus=str(corpora[FN])))
    (fn_model / CONFIG_FILE).write_text(json.dumps(config.to_dict()), encoding="utf-8")
    entries = read_manifest(corpora[DIPOLE] / "manifest.jsonl")
    statement = describe_training_data(entries, np.arange(len(entries)), str(corpora[DIPOLE]))
    dipole_model = ElmModel.from_config(ModelConfig(attention_hidden=8), seed=1).save(
        root / "dipole", notes={"training_data": statement}
    )
    return {FN: fn_model, DIPOLE: dipole_model}


def test_relation_follows_the_families():
    assert relation([FN], [FN]) == IN_FAMILY
    assert relation([FN], [DIPOLE]) == CROSS_FAMILY
    assert relation([FN, DIPOLE], [DIPOLE]) == IN_FAMILY
    assert relation([FN], [FN, DIPOLE]) == MIXED
    assert relation(None, [FN]) == UNKNOWN


def test_training_families_come_from_the_corpus_then_the_notes(models, tmp_path):
    assert training_families(models[FN]) == ([FN], "training corpus")
    assert training_families(models[DIPOLE]) == ([DIPOLE], "checkpoint notes")
    silent = ElmModel.from_config(ModelConfig(attention_hidden=8), seed=2).save(
        tmp_path / "silent", notes={"training_data": "someone's archive"}
    )
    assert training_families(silent) == (None, None)
    (silent / CONFIG_FILE).write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid JSON"):
        training_families(silent)


def _figures(normal_plain, normal_knowledge, macro_plain=None, macro_knowledge=None):
    return {
        "normal_plain": normal_plain,
        "normal_knowledge": normal_knowledge,
        "macro_plain": macro_plain,
        "macro_knowledge": macro_knowledge,
    }


def _val(kind, plain, knowledge):
    return {
        "model": "m",
        "corpus": "c",
        "relation": kind,
        "recordings": 4,
        "plain": {"normal": plain, "macro": None},
        "knowledge": {"normal": knowledge, "macro": None},
    }


def test_prompt_style_is_chosen_on_the_other_family():
    models = [{"model": "m"}]
    cells = [
        {"model": "m", "corpus": "a", "relation": IN_FAMILY, "figures": _figures(0.6, 0.9)},
        {"model": "m", "corpus": "b", "relation": CROSS_FAMILY, "figures": _figures(0.7, 0.6)},
    ]
    # The in-family validation split prefers knowledge; only the cross-family one counts.
    validation = [_val(IN_FAMILY, 0.5, 0.99), _val(CROSS_FAMILY, 0.8, 0.7)]
    chosen = prompt_style(models, cells, validation, "test")
    assert chosen["recommended"] == "plain"
    assert chosen["basis"] == "validation material of the cross-family corpora"
    assert chosen["comparisons"] == 1 and chosen["knowledge_minus_plain"] == pytest.approx(-0.1)
    assert [v["better"]["normal"] for v in chosen["models"][0]["validation"]] == [
        "knowledge",
        "plain",
    ]
    # Without a cross-family validation figure, or with a tie there, the cross-family cells decide.
    for undecided in (_val(CROSS_FAMILY, None, None), _val(CROSS_FAMILY, 0.5, 0.5)):
        chosen = prompt_style(models, cells, [undecided], "test")
        assert chosen["recommended"] == "plain"
        assert chosen["basis"].startswith("cross-family cells")
    cells[1]["figures"] = _figures(0.6, 0.7, 0.5, 0.8)
    assert prompt_style(models, cells, [], "test")["recommended"] == "knowledge"
    cells[1]["relation"] = IN_FAMILY
    assert prompt_style(models, cells, [], "test")["recommended"] is None


@pytest.mark.slow
def test_matrix_has_a_row_per_model_and_a_column_per_corpus(corpora, models, tmp_path):
    out = tmp_path / "matrix"
    argv = ["evaluate", "--model", str(models[FN]), "--model", str(models[DIPOLE])]
    argv += ["--corpus", str(corpora[FN]), "--corpus", str(corpora[DIPOLE]), "--split", "all"]
    assert main([*argv, "--out", str(out), "--baseline-epochs", "0", "--device", "cpu"]) == 0
    result = _strict_json(out / "evaluation.json")
    assert list(result) == ["matrix", "prompt_style", "evaluations", "seconds", "device"]
    matrix = result["matrix"]
    assert [m["training_families"] for m in matrix["models"]] == [[FN], [DIPOLE]]
    assert [c["families"] for c in matrix["corpora"]] == [[FN], [DIPOLE]]
    marks = {(cell["model"], cell["corpus"]): cell["relation"] for cell in matrix["cells"]}
    assert marks == {
        (str(models[FN]), str(corpora[FN])): IN_FAMILY,
        (str(models[FN]), str(corpora[DIPOLE])): CROSS_FAMILY,
        (str(models[DIPOLE]), str(corpora[FN])): CROSS_FAMILY,
        (str(models[DIPOLE]), str(corpora[DIPOLE])): IN_FAMILY,
    }
    # The cross-family summary leads: one row per model, each the mean of its one cross cell.
    summary = matrix["summary"]
    assert [(row["relation"], row["cells"]) for row in summary] == [(CROSS_FAMILY, 1)] * 2 + [
        (IN_FAMILY, 1)
    ] * 2
    cross = next(
        c
        for c in matrix["cells"]
        if c["model"] == str(models[FN]) and c["relation"] == CROSS_FAMILY
    )
    assert summary[0]["figures"] == cross["figures"]
    assert cross["figures"]["normal_plain"] is not None
    assert 0.0 <= cross["figures"]["eeg_to_report_R@10"] <= 1.0
    # Probes fit where the corpus has a val split and both classes in train (not the dipole one).
    assert ["linear_probe" in report for report in result["evaluations"]] == [True, False] * 2
    # Each cell is the very evaluation a single run writes.
    single = evaluate(
        models[FN],
        corpora[DIPOLE],
        tmp_path / "single",
        options=EvaluationOptions(split="all", baseline_epochs=0, device="cpu"),
    )
    expected = _strict_json(single["json"])
    got = result["evaluations"][1]
    for report in (expected, got):
        report.pop("seconds")
    assert got == expected
    # Validation figures are those of an evaluation of the val split (taken from the 'all'
    # embedding rather than embedded again).
    zero = _zero_shot(models[DIPOLE], corpora[FN], "val", tmp_path / "val")
    entry = next(
        v
        for m in result["prompt_style"]["models"]
        for v in m["validation"]
        if v["model"] == str(models[DIPOLE])
    )
    assert entry["relation"] == CROSS_FAMILY and entry["recordings"] == 2
    for style in ("plain", "knowledge"):
        assert entry[style]["normal"] == pytest.approx(zero[style]["findings"]["normal"]["auroc"])
    assert result["prompt_style"]["basis"] == "validation material of the cross-family corpora"
    markdown = (out / "evaluation.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Cross-family evaluation matrix")
    assert markdown.index("cross-family, 1 |") < markdown.index("in-family, 1 |")
    for heading, _ in FIGURES:
        table = markdown.split(f"### {heading}\n\n")[1].split("\n\n")[0].splitlines()
        assert len(table) == 2 + 2  # header, rule, one row per model
        assert all(line.count("|") == 4 for line in table)  # model + one column per corpus
        assert "(cross-family)" in table[2] and "(in-family)" in table[2]
    assert "## Prompt style" in markdown and "Recommended default: **" in markdown
    assert markdown.count("### Zero-shot (recording level)") == 4


@pytest.mark.slow
def test_style_corpora_choose_the_prompt_style_apart_from_the_test_corpora(
    corpora, models, tmp_path
):
    out = tmp_path / "styled"
    argv = ["evaluate", "--model", str(models[FN]), "--corpus", str(corpora[FN])]
    argv += ["--style-corpus", str(corpora[DIPOLE]), "--split", "all", "--no-probe"]
    assert main([*argv, "--out", str(out), "--device", "cpu"]) == 0
    result = _strict_json(out / "evaluation.json")
    # One test cell (in family); the style comes from every recording of the other family only.
    assert [c["corpus"] for c in result["matrix"]["cells"]] == [str(corpora[FN])]
    (entry,) = result["prompt_style"]["models"][0]["validation"]
    assert entry["corpus"] == str(corpora[DIPOLE]) and entry["split"] == "all"
    assert entry["relation"] == CROSS_FAMILY and entry["recordings"] == 6
    zero = _zero_shot(models[FN], corpora[DIPOLE], "all", tmp_path / "alone")
    for style in ("plain", "knowledge"):
        assert entry[style]["macro"] == pytest.approx(zero[style]["macro_auroc"])
    markdown = (out / "evaluation.md").read_text(encoding="utf-8")
    assert f"`{corpora[DIPOLE]}` all | cross-family | 6 |" in markdown


@pytest.mark.slow
def test_one_model_and_one_corpus_keep_the_single_evaluation(corpora, models, tmp_path):
    out = tmp_path / "one"
    argv = ["evaluate", "--model", str(models[FN]), "--corpus", str(corpora[DIPOLE])]
    assert main([*argv, "--split", "all", "--no-probe", "--out", str(out), "--device", "cpu"]) == 0
    report = _strict_json(out / "evaluation.json")
    assert list(report) == [
        "model",
        "corpus",
        "split",
        "recordings",
        "abnormal",
        "crops",
        "window_s",
        "zero_shot",
        "retrieval",
        "localisation",
        "seconds",
        "device",
    ]
    assert (
        (out / "evaluation.md")
        .read_text(encoding="utf-8")
        .startswith(
            f"# Evaluation of `{models[FN]}`\n\nCorpus `{corpora[DIPOLE]}`, split `all`: 6 recordings"
        )
    )


def test_matrix_options_are_checked_before_any_work(tmp_path, capsys):
    argv = ["evaluate", "--model", "a", "--model", "b", "--corpus", "c"]
    assert main(argv) == 2
    assert "--out" in capsys.readouterr().err
    argv = ["evaluate", "--model", "a", "--corpus", "c", "--corpus", "d", "--cache", "x"]
    assert main([*argv, "--out", str(tmp_path)]) == 2
    assert "give one per corpus" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_training_families_of_a_model_trained_on_joined_corpora(corpora, tmp_path):
    joint = ElmModel.from_config(ModelConfig(attention_hidden=8), seed=3).save(tmp_path / "joint")
    config = TrainingConfig(data=DataConfig(corpus=[str(corpora[FN]), str(corpora[DIPOLE])]))
    (joint / CONFIG_FILE).write_text(json.dumps(config.to_dict()), encoding="utf-8")
    assert training_families(joint) == (sorted([FN, DIPOLE]), "training corpus")
