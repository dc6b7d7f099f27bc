"""The generator-family registry and ``elm-desktop synth --family``."""

from __future__ import annotations

import argparse

import pytest

from elm_desktop.cli import synth as synth_commands
from elm_desktop.errors import ConfigError
from elm_desktop.synth import generate_corpus, read_manifest
from elm_desktop.synth.families import DEFAULT_FAMILY, get_family, list_families


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="elm-desktop")
    synth_commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


def test_both_families_are_listed_with_the_first_one_as_default():
    names = list_families()
    assert names[0] == DEFAULT_FAMILY == "filtered-noise"
    assert "dipole-spectral" in names
    assert get_family("dipole-spectral").sampling_rates == (200, 250, 256, 500, 512)
    assert names == ["filtered-noise", "dipole-spectral", "neural-mass", "wave-atoms"]


def test_an_unknown_family_is_refused_with_the_available_names():
    with pytest.raises(
        ConfigError,
        match="unknown generator family 'spectral'.*filtered-noise.*dipole-spectral.*wave-atoms",
    ):
        get_family("spectral")


def test_default_family_output_is_byte_identical_to_the_first_generator(tmp_path):
    """``synth`` without ``--family`` writes exactly what ``generate_corpus`` always wrote."""
    reference = generate_corpus(tmp_path / "direct", 3, 0.2, 5, workers=1)
    assert (
        main(
            [
                "synth",
                "--out",
                str(tmp_path / "cli"),
                "--n",
                "3",
                "--minutes",
                "0.2",
                "--seed",
                "5",
                "--workers",
                "1",
            ]
        )
        == 0
    )
    explicit = ["--family", "filtered-noise", "--out", str(tmp_path / "named")]
    assert (
        main(["synth", *explicit, "--n", "3", "--minutes", "0.2", "--seed", "5", "--workers", "1"])
        == 0
    )
    names = sorted(p.name for p in reference.parent.iterdir())
    assert len(names) == 7  # 3 EDF, 3 reports, the manifest
    for folder in ("cli", "named"):
        for name in names:
            assert (tmp_path / folder / name).read_bytes() == (
                reference.parent / name
            ).read_bytes(), name


def test_options_a_family_lacks_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="filtered-noise family has no reference option"):
        main(["synth", "--out", str(tmp_path), "--reference", "cz"])
    with pytest.raises(ConfigError, match="no sampling rate 512; it offers: 250, 256, 500"):
        main(["synth", "--out", str(tmp_path), "--sfreq", "512"])
    with pytest.raises(ConfigError, match="no naming '10-10'; it offers: tuh, 1020, 1010"):
        main(["synth", "--out", str(tmp_path), "--family", "dipole-spectral", "--naming", "10-10"])


def test_the_second_family_writes_the_shared_manifest_format(tmp_path):
    out = tmp_path / "dipole"
    assert (
        main(
            [
                "synth",
                "--family",
                "dipole-spectral",
                "--out",
                str(out),
                "--n",
                "2",
                "--minutes",
                "0.25",
                "--seed",
                "1",
                "--sfreq",
                "200",
                "--reference",
                "cz",
                "--workers",
                "1",
            ]
        )
        == 0
    )
    shared = set(read_manifest(generate_corpus(tmp_path / "first", 1, 0.2, 1, workers=1))[0])
    for entry in read_manifest(out / "manifest.jsonl"):
        assert shared <= set(entry)
        assert entry["family"] == "dipole-spectral" and entry["reference"] == "cz"
        assert entry["sfreq"] == 200
        assert (out / entry["edf"]).exists() and (out / f"{entry['id']}.txt").exists()
