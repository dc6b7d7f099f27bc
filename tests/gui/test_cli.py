"""``elm-desktop gui``: argument errors are one-line messages with exit status 2."""

from __future__ import annotations

from elm_desktop.cli import main


def test_screenshot_without_a_recording_is_refused(capsys):
    assert main(["gui", "--screenshot", "shot.png"]) == 2
    assert "--screenshot needs a recording" in capsys.readouterr().err


def test_missing_file_is_refused(tmp_path, capsys):
    assert main(["gui", str(tmp_path / "absent.edf")]) == 2
    assert "does not exist" in capsys.readouterr().err
