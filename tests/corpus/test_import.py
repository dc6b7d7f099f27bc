"""``corpus import`` end to end on a synthetic TUH-layout archive with identity and bad files."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from elm_desktop.cli import main
from elm_desktop.corpus import import_corpus, iter_sessions
from elm_desktop.corpus.edf_copy import BLANK_START
from elm_desktop.errors import ConfigError
from elm_desktop.signals import open_recording, read_header
from elm_desktop.synth.tuh_layout import BAD_SESSIONS, GROUND_TRUTH_NAME, read_ground_truth

from .conftest import N_SESSIONS


def _manifest(corpus: Path) -> list[dict]:
    return [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines()]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_every_session_is_found_with_its_report(tuh_archive):
    sessions = list(iter_sessions(tuh_archive / "edf", "tuh"))
    truth = read_ground_truth(tuh_archive / GROUND_TRUTH_NAME)
    assert sorted(s.key for s in sessions) == sorted(f"tuh:{row['session']}" for row in truth)
    for session in sessions:
        row = next(r for r in truth if f"tuh:{r['session']}" == session.key)
        assert (session.report is None) == (row["bad"] == "no report")
        assert len(session.recordings) >= row["tokens"]


def test_bad_files_are_skipped_with_one_line_each(imported, tuh_archive):
    corpus, _, summary = imported
    log = (corpus / "import.log").read_text().splitlines()
    reasons = [line for line in log if " skipped: " in line]
    expected = {
        "truncated": "cut short",
        "no report": "no report",
        "folder named .edf": "a folder, not a recording",
        "too short": "shorter than",
        "missing electrode": "lacks T3",
        "not an EDF file": "is not an EDF",
    }
    assert set(expected) == set(BAD_SESSIONS.values())
    for why in expected.values():
        assert any(why in line for line in reasons), why
    assert summary.sessions == N_SESSIONS
    assert summary.skipped == len(reasons)
    assert log[-1].startswith(f"# {N_SESSIONS} sessions, {summary.recordings} recordings")
    # Every good recording went in: all tokens of the good sessions.
    truth = read_ground_truth(tuh_archive / GROUND_TRUTH_NAME)
    good = sum(row["tokens"] for row in truth if row["bad"] is None)
    assert summary.recordings >= good
    assert len(_manifest(corpus)) == summary.recordings


def test_copies_hold_the_same_signals_and_no_identity(imported, tuh_archive):
    corpus, private, _ = imported
    entry = _manifest(corpus)[0]
    copy = open_recording(corpus / entry["edf"])
    sources = (private / "sources.tsv").read_text().splitlines()
    source = next(line.split("\t")[1] for line in sources if line.startswith(entry["id"] + "\t"))
    original = open_recording(source)
    np.testing.assert_array_equal(copy.read_samples(0, 2000), original.read_samples(0, 2000))
    header = read_header(corpus / entry["edf"])
    assert header.patient.patient.split()[::2] == ["X", "X"]
    assert header.patient.recording == "Startdate X X X X"
    assert header.patient.meas_date.strftime("%d.%m.%y") == BLANK_START[0].decode()
    assert copy.annotations == ()  # their free text may name people


def test_entries_are_trainable_with_patient_level_splits(imported):
    corpus, _, _ = imported
    entries = _manifest(corpus)
    split_of = {}
    for entry in entries:
        assert split_of.setdefault(entry["patient_id"], entry["split"]) == entry["split"]
        assert entry["origin"] == "import" and entry["report"]
        assert (corpus / entry["edf"]).is_file()
        assert entry["age"] is None or entry["age"] <= 90
    assert "train" in split_of.values()


def test_labels_from_reports_agree_with_ground_truth(imported, tuh_archive):
    corpus, private, _ = imported
    truth = {row["session"]: row for row in read_ground_truth(tuh_archive / GROUND_TRUTH_NAME)}
    source_of = {}
    for line in (private / "sources.tsv").read_text().splitlines():
        item, path, _ = line.split("\t")
        source_of[item] = Path(path).name.rsplit("_", 1)[0]
    entries = _manifest(corpus)
    agree = [e["abnormal"] == truth[source_of[e["id"]]]["abnormal"] for e in entries]
    assert np.mean(agree) >= 0.9


def test_no_identifying_string_reaches_the_corpus_or_its_cache(imported, tuh_archive, tmp_path):
    from elm_desktop.training.data import build_cache

    corpus, _, _ = imported
    cache = build_cache(corpus, tmp_path / "cache", window_s=5)
    assert len(cache) > 0
    truth = read_ground_truth(tuh_archive / GROUND_TRUTH_NAME)
    strings = sorted({s.lower() for row in truth for s in row["identifying"]})
    # Positive control: the scan finds every string in the source (file bytes and paths).
    source = b"\n".join(
        p.as_posix().encode() + b"\n" + (p.read_bytes() if p.is_file() else b"")
        for p in (tuh_archive / "edf").rglob("*")
    ).lower()
    assert [s for s in strings if s.encode() not in source] == []
    for folder in (corpus, tmp_path / "cache"):
        for path in folder.rglob("*"):
            data = (path.as_posix() + "\n").encode().lower()
            data += path.read_bytes().lower() if path.is_file() else b""
            found = [s for s in strings if s.encode() in data]
            assert found == [], f"{path}: {found}"


def test_resuming_with_other_options_or_a_private_folder_inside_is_refused(imported, tmp_path):
    corpus, private, _ = imported
    with pytest.raises(ConfigError, match="other options"):
        import_corpus(tmp_path, corpus, min_seconds=30.0, private=private)
    with pytest.raises(ConfigError, match="outside the corpus"):
        import_corpus(tmp_path, tmp_path / "c", private=tmp_path / "c" / "private")


def test_cli_gives_one_line_for_a_missing_folder(tmp_path, capsys):
    assert main(["corpus", "import", str(tmp_path / "absent"), "--out", str(tmp_path / "c")]) == 2
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.slow
def test_kill_9_midway_then_rerun_gives_the_clean_corpus(imported, tuh_archive, tmp_path):
    from elm_desktop.training.data import build_cache

    clean, clean_private, _ = imported
    private = tmp_path / "private"
    private.mkdir()
    shutil.copy(clean_private / "key", private / "key")  # same key, same ids
    out = tmp_path / "corpus"
    command = [sys.executable, "-m", "elm_desktop.cli", "corpus", "import"]
    command += [str(tuh_archive / "edf"), "--out", str(out), "--private", str(private)]
    command += ["--workers", "2"]
    process = subprocess.Popen(command, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if len(list(out.glob("sessions/*/*.json"))) >= 6:
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the importer and its workers, mid-write
    process.wait()
    assert process.returncode == -signal.SIGKILL
    done = len(list(out.glob("sessions/*/*.json")))
    assert 0 < done < N_SESSIONS and not (out / "manifest.jsonl").exists()
    summary = import_corpus(tuh_archive / "edf", out, workers=2, private=private)
    assert summary.resumed == done and summary.imported == N_SESSIONS - done
    assert (out / "manifest.jsonl").read_bytes() == (clean / "manifest.jsonl").read_bytes()
    assert (out / "import.log").read_bytes() == (clean / "import.log").read_bytes()
    written = {k: v for k, v in _files(out).items() if not k.endswith(".part")}
    assert written == _files(clean)
    first = build_cache(clean, tmp_path / "cache-a", window_s=5)
    second = build_cache(out, tmp_path / "cache-b", window_s=5)
    for name in ("crops.f16", "index.npz"):
        assert (first.directory / name).read_bytes() == (second.directory / name).read_bytes()
    assert [r["id"] for r in first.recordings] == [r["id"] for r in second.recordings]


@pytest.mark.slow
def test_a_short_train_runs_on_the_imported_corpus(imported, tmp_path):
    corpus, _, _ = imported
    # A few of its recordings keep the test short: every entry is read as the trainer reads it.
    entries = [e for e in _manifest(corpus) if e["split"] == "train"][:6]
    subset = tmp_path / "subset"
    subset.mkdir()
    lines = [json.dumps({**e, "edf": str(corpus / e["edf"])}) + "\n" for e in entries]
    (subset / "manifest.jsonl").write_text("".join(lines))
    out = tmp_path / "run"
    config = tmp_path / "tiny.toml"
    config.write_text(
        f"""
[model]
window_s = 5
attention_hidden = 16

[data]
corpus = "{subset}"
cache_dir = "{tmp_path / "cache"}"
max_crops = 4
max_segments = 8
bags_per_batch = 4

[train]
out_dir = "{out}"
epochs = 1
lr = 1e-3
warmup_epochs = 1
seed = 0
device = "cpu"
"""
    )
    assert main(["train", "--config", str(config)]) == 0
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert len(log) == 1 and log[0]["loss"] > 0
    stated = json.loads((out / "final" / "config.json").read_text())["notes"]["training_data"]
    assert "imported from a local archive" in stated and "synthetic" not in stated


def test_plain_layout_and_names_the_tuh_layout_refuses(tuh_archive, tmp_path):
    truth = read_ground_truth(tuh_archive / GROUND_TRUTH_NAME)
    good = next(row for row in truth if row["bad"] is None)
    session = tuh_archive / good["folder"]
    folder = tmp_path / "plain"
    folder.mkdir()
    edf = next(session.rglob("*_t000.edf"))
    shutil.copy(edf, folder / "routine one.edf")
    shutil.copy(session / f"{good['session']}.txt", folder / "routine one.txt")
    shutil.copy(edf, folder / "routine two.edf")  # no report
    (folder / "routine one.events.edf").write_bytes(b"0")  # a reviewer's events: not a session
    plain = import_corpus(folder, tmp_path / "a", layout="plain", private=tmp_path / "pa")
    assert (plain.recordings, plain.skipped) == (1, 1)
    assert "no report" in (tmp_path / "a" / "import.log").read_text()
    auto = import_corpus(folder, tmp_path / "b", private=tmp_path / "pa")
    assert (tmp_path / "b" / "manifest.jsonl").read_bytes() == (
        tmp_path / "a" / "manifest.jsonl"
    ).read_bytes()
    assert auto.recordings == 1
    tuh = import_corpus(folder, tmp_path / "c", layout="tuh", private=tmp_path / "pc")
    assert (tuh.recordings, tuh.skipped) == (0, 2)
    assert "is not <patient>_<session>_<token>.edf" in (tmp_path / "c" / "import.log").read_text()


def test_importing_needs_no_torch(tuh_archive, tmp_path):
    script = (
        "import sys\n"
        "from elm_desktop.cli import main\n"
        f"assert main(['corpus', 'import', {str(tuh_archive / 'edf')!r}, '--out', "
        f"{str(tmp_path / 'c')!r}]) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
