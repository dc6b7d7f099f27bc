"""``elm-desktop generator train|evaluate`` pass their options on to the training commands."""

from __future__ import annotations

import pytest

from elm_desktop.cli import main

pytest.importorskip("torch")


@pytest.mark.parametrize(("command", "option"), [("train", "--set"), ("evaluate", "--no-eeg")])
def test_the_wrapped_command_gives_its_own_help(capsys, command, option):
    with pytest.raises(SystemExit) as exit_:
        main(["generator", command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: elm-desktop generator {command}" in out and option in out


def test_a_missing_configuration_is_a_user_error(tmp_path, capsys):
    status = main(["generator", "train", str(tmp_path / "none.toml"), "--set", "train.epochs=1"])
    assert status == 2 and "does not exist" in capsys.readouterr().out
