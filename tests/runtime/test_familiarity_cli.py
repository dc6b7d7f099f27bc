"""``elm-desktop model familiarity fit|measure`` on a real bundle and corpus."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from elm_desktop.cli.familiarity import encode_recording
from elm_desktop.clinical.familiarity import FamiliarityReference
from elm_desktop.errors import BundleError
from elm_desktop.runtime import Bundle, Engine
from tests.runtime.test_model_cli import run


def test_fit_signs_the_reference_into_the_bundle_and_measure_reads_it(elm_bundle, tmp_path, capsys):
    from elm_desktop.synth import generate_corpus, read_manifest

    manifest = generate_corpus(tmp_path / "corpus", n=6, minutes=0.5, seed=5, workers=1)
    splits = [e["split"] for e in read_manifest(manifest)]
    split = max(set(splits), key=splits.count)  # a reference needs two recordings
    bundle = shutil.copytree(elm_bundle, tmp_path / "bundle")
    out = tmp_path / "familiarity.npz"
    assert run("familiarity", "fit", str(bundle), "--corpus", str(manifest), "--split", split,
               "--heldout", split, "--out", str(out), "--device", "cpu") == 0  # fmt: skip
    assert "warns above score" in capsys.readouterr().out

    loaded = Bundle.load(bundle)
    reference = FamiliarityReference.load(loaded.file("familiarity"))
    n_split = sum(e["split"] == split for e in read_manifest(manifest))
    assert f"of {n_split} {split} recordings of corpus" in reference.note
    assert reference.heldout.size == n_split
    entry = next(e for e in read_manifest(manifest) if e["split"] == split)
    crops, profiles, _ = encode_recording(manifest.parent / entry["edf"], Engine(loaded, "cpu"))
    score, _ = reference.score(crops, profiles)
    assert score <= reference.heldout.max() + 1e-9  # it was one of the held-out
    assert FamiliarityReference.load(out).threshold == reference.threshold

    assert run("info", str(bundle), "--device", "cpu") == 0
    assert f"familiarity reference: {reference.note}" in capsys.readouterr().out
    assert run("familiarity", "measure", str(bundle), f"{manifest.parent}:{split}",
               str(manifest.parent), "--device", "cpu") == 0  # fmt: skip
    table = capsys.readouterr().out
    assert f"| {manifest.parent}:{split} |" in table and "| 6 |" in table

    np.savez(loaded.file("familiarity"), mean=np.zeros(3))  # altered after signing
    with pytest.raises(BundleError, match="does not match its sha256"):
        Bundle.load(bundle)


def test_a_bundle_without_reference_says_so(elm_bundle, capsys):
    assert run("info", str(elm_bundle), "--device", "cpu") == 0
    assert "familiarity reference: none" in capsys.readouterr().out
