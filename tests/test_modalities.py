"""One modality registry: every layer's table names the same modalities, and a name it does not
know is refused with the known ones."""

from __future__ import annotations

import pytest

from elm_desktop.cli.recording import INFO
from elm_desktop.cli.training import EVALUATE
from elm_desktop.errors import ConfigError
from elm_desktop.modalities import ANALYSES, analysis_for
from elm_desktop.paths import RESOURCES, default_bundle, default_ecg_bundle
from elm_desktop.signals.modality import MODALITIES, get_modality
from elm_desktop.training.modalities import TRAINING, checkpoint_modality, config_modality


def test_every_layer_covers_the_registry():
    for table in (ANALYSES, INFO, EVALUATE, TRAINING):
        assert set(table) == set(MODALITIES)
    assert analysis_for("eeg").default_bundle == default_bundle()
    assert analysis_for("ecg").default_bundle == default_ecg_bundle()
    assert all(analysis_for(name).modality is MODALITIES[name] for name in MODALITIES)


@pytest.mark.parametrize("lookup", [get_modality, analysis_for])
def test_an_unknown_modality_is_refused_with_the_known_ones(lookup):
    with pytest.raises(ConfigError, match="unknown modality 'emg'; known: eeg, ecg"):
        lookup("emg")


def test_configurations_and_checkpoints_say_their_modality(tmp_path):
    root = RESOURCES.parent.parent
    assert checkpoint_modality(root / "resources/checkpoints/ecg-merl") == "ecg"
    assert checkpoint_modality(root / "resources/checkpoints/demo-5s") == "eeg"
    assert config_modality(root / "configs/ecg-merl.toml") == "ecg"
    plain = tmp_path / "eeg.toml"
    plain.write_text("[train]\nepochs = 1\n", encoding="utf-8")
    assert config_modality(plain) == "eeg"
    odd = tmp_path / "emg.toml"
    odd.write_text('modality = "emg"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown modality 'emg'; known: eeg, ecg"):
        config_modality(odd)
    with pytest.raises(ConfigError, match="holds no checkpoint"):
        checkpoint_modality(tmp_path)


def test_an_ecg_checkpoint_has_no_fp16_bundle(tmp_path):
    ecg = RESOURCES.parent.parent / "resources/checkpoints/ecg-merl"
    with pytest.raises(ConfigError, match="no fp16 variant"):
        TRAINING["ecg"].export(ecg, tmp_path / "out", fp16=True, name=None, version=None)
    assert not (tmp_path / "out").exists()


def test_evaluate_refuses_models_of_two_modalities(tmp_path, capsys):
    from elm_desktop.cli import main

    root = RESOURCES.parent.parent / "resources/checkpoints"
    command = ["evaluate", "--model", str(root / "ecg-merl"), "--model", str(root / "demo-5s")]
    assert main([*command, "--corpus", str(tmp_path)]) == 2
    assert "models of several modalities (ecg, eeg)" in capsys.readouterr().err
