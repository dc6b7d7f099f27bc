"""Montage files: saved, listed beside the built-ins, read back the same; bad files in one line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from elm_desktop.errors import ConfigError
from elm_desktop.signals import DisplayFilter, get_montage, list_montages, open_recording, read_page
from elm_desktop.signals.derivations import AVERAGE, LAPLACIAN, LINKED_EARS, Montage, Trace
from elm_desktop.signals.montage_files import montage_folder, read_montage
from elm_desktop.signals.montages import builtin_montages, montage_problems, save_montage

MINE = Montage(
    "banana-plus",
    "double banana with styled midline",
    (
        Trace("Fp1", "F7"),
        Trace("T3", "T5", colour="#aa2200", gain=2.0),
        Trace("Fz", "Cz", inverted=True),
        Trace("Cz", "Pz", hidden=True),
        Trace("O1", LINKED_EARS),
        Trace("C3", LAPLACIAN),
        Trace("Pz", AVERAGE),
        Trace("A1"),
    ),
)


def test_saved_montage_reads_back_equal_and_is_listed_after_the_builtins():
    path = save_montage(MINE)
    assert path == montage_folder() / "banana-plus.json"
    assert read_montage(path) == MINE
    assert list_montages() == [*builtin_montages(), "banana-plus"]
    assert get_montage("banana-plus") == MINE
    assert montage_problems() == []


def test_saved_montage_applied_gives_the_same_traces(make_edf):
    rec = open_recording(make_edf(duration_s=12.0))
    save_montage(MINE)
    unfiltered = DisplayFilter(None, None, None)
    before = read_page(rec, 2.0, 5.0, MINE, unfiltered)
    after = read_page(rec, 2.0, 5.0, "banana-plus", unfiltered)
    assert after.labels == before.labels
    assert after.labels[-4:] == ["O1-A1A2", "C3-Lap", "Pz-Avg", "A1"]
    np.testing.assert_array_equal(after.data, before.data)
    # And the derivations are what they say: T3-T5 and the linked-ears trace by hand.
    samples = rec.read_samples(512, 512 + 1280, ["T3", "T5", "O1", "A1", "A2"]) * 1e6
    np.testing.assert_allclose(after.data[1], samples[0] - samples[1], atol=1e-9)
    np.testing.assert_allclose(after.data[4], samples[2] - (samples[3] + samples[4]) / 2, atol=1e-9)


def test_ten_ten_names_in_a_file_are_read_as_10_20(tmp_path):
    path = tmp_path / "tt.json"
    path.write_text(
        json.dumps(
            {
                "format": "elm-desktop-montage",
                "version": 1,
                "name": "ten-ten",
                "traces": [{"electrode": "T7", "reference": "P7"}, {"electrode": "EEG FP2-REF"}],
            }
        )
    )
    montage = read_montage(path)
    assert [t.label for t in montage.traces] == ["T3-T5", "Fp2"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "is not valid JSON (line 1)"),
        (json.dumps({"format": "other"}), "not a montage file"),
        (json.dumps({"format": "elm-desktop-montage", "version": 1, "name": "x", "traces": []}),
         "non-empty list of traces"),
        (json.dumps({"format": "elm-desktop-montage", "version": 1, "name": "x",
                     "traces": [{"electrode": "Q9", "reference": "Cz"}]}),
         "trace 1: 'Q9' is not a 10-20 / 10-10 electrode name"),
        (json.dumps({"format": "elm-desktop-montage", "version": 1, "name": "x",
                     "traces": [{"electrode": "Fz", "reference": "Cz", "gain": -2}]}),
         "gain must be a positive number"),
        (json.dumps({"format": "elm-desktop-montage", "version": 1, "name": "tcp-elm",
                     "traces": [{"electrode": "Fz", "reference": "Cz"}]}),
         "'tcp-elm' is a built-in montage"),
    ],
)  # fmt: skip
def test_a_bad_montage_file_is_one_line_and_the_builtins_still_work(content, message):
    folder = montage_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "broken.json").write_text(content, encoding="utf-8")
    save_montage(MINE)
    (problem,) = montage_problems()
    assert problem.startswith("montage file broken.json") and message in problem
    assert "\n" not in problem
    assert list_montages() == [*builtin_montages(), "banana-plus"]
    assert get_montage("acns-banana").labels(["Fz", "Cz"])[-2:] == ["Fz-Cz", "Cz-Pz"]
    with pytest.raises(ConfigError, match="broken.json"):
        read_montage(folder / "broken.json", reserved=builtin_montages())


def test_save_refuses_a_builtin_name_and_a_bad_file_name():
    with pytest.raises(ConfigError, match="built-in"):
        save_montage(Montage("average", "x", (Trace("Fz", "Cz"),)))
    with pytest.raises(ConfigError, match="letters, digits"):
        save_montage(Montage("../evil", "x", (Trace("Fz", "Cz"),)))
