"""Training end to end on a tiny corpus: one process, resume, and two torchrun processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from elm_desktop import cli  # noqa: E402
from elm_desktop.training.model import ElmModel  # noqa: E402
from elm_desktop.training.trainer import bf16_autocast  # noqa: E402

TORCHRUN_SCRIPT = """
import sys
from elm_desktop.training.config import load_training_config
from elm_desktop.training.trainer import train
train(load_training_config(sys.argv[1]))
"""


@pytest.fixture(autouse=True)
def only_training_commands(monkeypatch):
    # Other command groups are not under test here (and may not be installed yet).
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("training",))


def main(argv: list[str]) -> int:
    return cli.main(argv)


CONFIG = """
[model]
window_s = 5
attention_hidden = 16

[data]
corpus = "{corpus}"
cache_dir = "{cache}"
max_crops = 4
max_segments = 8
bags_per_batch = 4

[train]
out_dir = "{out}"
epochs = {epochs}
lr = 1e-3
warmup_epochs = 1
seed = 0
device = "cpu"
"""


def _write_config(
    path: Path, corpus: Path, cache: Path, out: Path, epochs: int, extra: str = ""
) -> Path:
    path.write_text(CONFIG.format(corpus=corpus, cache=cache, out=out, epochs=epochs) + extra)
    return path


def _log(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]


def test_bf16_autocast_only_with_amp_and_on_hardware_that_computes_it():
    assert not bf16_autocast(torch.device("cpu"), False)
    native = torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    assert bf16_autocast(torch.device("cpu"), True) == native


@pytest.mark.slow
def test_train_then_resume(tiny_corpus, tiny_cache, tmp_path):
    cache, out = tiny_cache[0].directory, tmp_path / "run"
    config = _write_config(tmp_path / "a.toml", tiny_corpus, cache, out, epochs=2)
    assert main(["train", "--config", str(config)]) == 0
    log = _log(out)
    assert [entry["epoch"] for entry in log] == [1, 2]
    assert all(entry["loss"] > 0 and entry["crops_per_s"] > 0 for entry in log)
    # amp (on by default) trains in bf16 where this CPU computes it natively, and says so.
    assert {entry["bf16"] for entry in log} == {bf16_autocast(torch.device("cpu"), True)}
    assert (out / "final" / "model.safetensors").is_file()
    saved = json.loads((out / "final" / "training_config.json").read_text())
    assert saved["data"]["max_crops"] == 4
    stated = json.loads((out / "final" / "config.json").read_text())["notes"]["training_data"]
    assert stated.startswith("synthetic EEG only: ") and "(filtered-noise family)" in stated
    assert str(tiny_corpus.parent) not in stated  # no local path in what the bundle shows
    first = ElmModel.load(out / "final")
    assert not list(out.glob("epoch-*"))
    # Asking for one more epoch resumes from last/ instead of starting again; keep_epochs keeps
    # the model after each epoch it trains, ready to export.
    config = _write_config(
        tmp_path / "b.toml", tiny_corpus, cache, out, epochs=3, extra="keep_epochs = true\n"
    )
    assert main(["train", "--config", str(config)]) == 0
    assert sorted(path.name for path in out.glob("epoch-*")) == ["epoch-03"]
    kept = ElmModel.load(out / "epoch-03")
    assert json.loads((out / "epoch-03" / "training_config.json").read_text())["train"][
        "keep_epochs"
    ]
    log = _log(out)
    assert [entry["epoch"] for entry in log] == [1, 2, 3]
    assert log[2]["steps"] == log[1]["steps"] + (log[1]["steps"] - log[0]["steps"])
    resumed = ElmModel.load(out / "final")
    changed = [
        key
        for key, value in first.state_dict().items()
        if value.is_floating_point() and not torch.equal(value, resumed.state_dict()[key])
    ]
    assert changed
    assert all(
        torch.equal(value, kept.state_dict()[key]) for key, value in resumed.state_dict().items()
    )


def test_bad_configuration_gives_one_line_error(tmp_path, capsys):
    config = tmp_path / "bad.toml"
    config.write_text("[train]\nepochs = 1\nlearning_rate = 2\n")
    assert main(["train", "--config", str(config)]) == 2
    assert "unknown key(s) in [train]: learning_rate" in capsys.readouterr().err


@pytest.mark.slow
def test_two_cpu_processes_with_torchrun(tiny_corpus, tiny_cache, tmp_path):
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists():
        pytest.skip("torchrun not installed")
    cache, out = tiny_cache[0].directory, tmp_path / "run"
    config = _write_config(tmp_path / "ddp.toml", tiny_corpus, cache, out, epochs=1)
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(repo)}
    script = tmp_path / "run_train.py"
    script.write_text(TORCHRUN_SCRIPT)
    result = subprocess.run(
        [str(torchrun), "--standalone", "--nproc_per_node=2", str(script), str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    notes = json.loads((out / "final" / "config.json").read_text())["notes"]
    assert notes["world_size"] == 2
    # 8 training recordings x 2 bags / 4 per batch = 4 batches, 2 per process.
    assert _log(out)[0]["steps"] == 2


REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "elm_reference"


@pytest.mark.slow
@pytest.mark.skipif(not REFERENCE.is_dir(), reason="ELM reference checkpoints not present")
def test_adapt_keeps_the_released_encoder_frozen(tiny_corpus, tiny_cache, tmp_path):
    from elm_desktop.training.adapt import adapt

    config = _write_config(tmp_path / "adapt.toml", tiny_corpus, tiny_cache[0].directory, "x", 1)
    released = REFERENCE / "5s" / "model_0_checkpoint.pt"
    final = adapt(released, tiny_corpus, tmp_path / "adapted", config_path=config)
    adapted = ElmModel.load(final)
    state = torch.load(released, map_location="cpu", weights_only=True)
    for key, value in state.items():
        assert torch.equal(adapted.eeg_encoder.state_dict()[key], value), key
    start = ElmModel.load(tmp_path / "adapted" / "init")
    assert not torch.equal(start.text_projector.net[0].weight, adapted.text_projector.net[0].weight)


AUGMENT = """
[augment]
amplitude_scale = 2.0
channel_gain = 1.4
spectral_tilt = 0.5
time_warp = 0.1
crop_jitter = true
background_mix = 0.3
channel_dropout = 0.05
"""


@pytest.mark.slow
def test_augmented_training_is_recorded_and_repeatable(tiny_corpus, tiny_cache, tmp_path):
    cache = tiny_cache[0].directory
    weights = []
    for name in ("a", "b"):
        out = tmp_path / name
        config = _write_config(tmp_path / f"{name}.toml", tiny_corpus, cache, out, epochs=1)
        config.write_text(config.read_text() + AUGMENT)
        assert main(["train", "--config", str(config)]) == 0
        saved = json.loads((out / "final" / "training_config.json").read_text())
        assert saved["augment"]["spectral_tilt"] == 0.5 and saved["augment"]["crop_jitter"]
        weights.append(ElmModel.load(out / "final").state_dict())
    # The step's generator comes from the seed, so a rerun (or a resume) draws the same crops.
    for key, value in weights[0].items():
        assert torch.equal(value, weights[1][key]), key
