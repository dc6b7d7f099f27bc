"""`elm-desktop demo` builds the demo data and archives its prior cases."""

import json
import shutil

from elm_desktop.archive import open_archive
from elm_desktop.archive.ingest import model_id
from elm_desktop.cli import main
from elm_desktop.runtime import Engine
from elm_desktop.runtime.bundle import save_manifest


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


def test_demo_archive_is_made_anew_for_other_weights(tmp_path, elm_bundle, capsys):
    assert main(["demo", "--out", str(tmp_path), "--model", str(elm_bundle)]) == 0
    # Same name and version date, other weights: the old embeddings cannot be compared.
    retrained = shutil.copytree(elm_bundle, tmp_path / "retrained")
    manifest = json.loads((retrained / "manifest.json").read_text())
    manifest["source"] = {**manifest.get("source", {}), "sha256": "f" * 64}
    save_manifest(retrained, manifest)  # re-signed, as a re-export would
    capsys.readouterr()
    assert main(["demo", "--out", str(tmp_path), "--model", str(retrained)]) == 0
    out = capsys.readouterr().out
    assert "made anew" in out and "30 prior cases added" in out
    with open_archive(tmp_path / "archive.sqlite") as archive:
        assert (
            archive.model
            == model_id(Engine(retrained, device="cpu"))
            != model_id(Engine(elm_bundle, device="cpu"))
        )
        assert archive.counts()["cases"] == 30


def test_demo_leaves_an_archive_with_other_cases_alone(tmp_path, elm_bundle, capsys):
    from elm_desktop.archive.ingest import add_recordings

    assert main(["demo", "--out", str(tmp_path), "--model", str(elm_bundle)]) == 0
    prior = next(p for p in (tmp_path / "priors").rglob("*.edf"))
    own = tmp_path / "own.edf"
    data = bytearray(prior.read_bytes())
    data[100] = ord("X")  # in the recording-id field: another file, another case
    own.write_bytes(bytes(data))
    with open_archive(tmp_path / "archive.sqlite") as archive:
        assert add_recordings(archive, [own], Engine(elm_bundle, device="cpu")).added == [own]
    retrained = shutil.copytree(elm_bundle, tmp_path / "retrained")
    manifest = json.loads((retrained / "manifest.json").read_text())
    manifest["source"] = {"sha256": "f" * 64}
    save_manifest(retrained, manifest)  # re-signed, as a re-export would
    capsys.readouterr()
    assert main(["demo", "--out", str(tmp_path), "--model", str(retrained)]) == 0
    assert "left as it is" in capsys.readouterr().out
    with open_archive(tmp_path / "archive.sqlite") as archive:
        assert archive.counts()["cases"] == 31
