"""`elm-desktop demo` builds the demo data and archives its prior cases."""

from elm_desktop.archive import open_archive
from elm_desktop.cli import main


def test_demo_archives_the_prior_cases_once(tmp_path, elm_bundle, capsys):
    assert main(["demo", "--out", str(tmp_path), "--model", str(elm_bundle)]) == 0
    with open_archive(tmp_path / "archive.sqlite") as archive:
        first = archive.counts()
    assert first["cases"] == 30
    assert main(["demo", "--out", str(tmp_path), "--model", str(elm_bundle)]) == 0
    assert "0 prior cases added, 30 already there" in capsys.readouterr().out
    with open_archive(tmp_path / "archive.sqlite") as archive:
        assert archive.counts() == first


def test_demo_without_a_model_still_builds_the_recording(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--model", str(tmp_path / "none")]) == 0
    assert (tmp_path / "demo.edf").exists()
    assert "prior cases not archived" in capsys.readouterr().out
