"""``elm-desktop archive``: add (killed midway and resumed), search and stats, as users run it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from elm_desktop.archive import open_archive
from elm_desktop.cli import main

N_RECORDINGS = 4


def add_command(corpus, location, bundle) -> list[str]:
    return [
        sys.executable, "-m", "elm_desktop.cli", "archive", "add", str(corpus.parent),
        "--reports", str(corpus), "--archive", location, "--model", str(bundle),
        "--device", "cpu",
    ]  # fmt: skip


def test_killing_archive_add_midway_keeps_whole_cases_and_the_rerun_finishes(
    tmp_path, corpus, elm_bundle
):
    # SQLite only: the store-level kill test covers PostgreSQL; each CLI run loads the model.
    archive_location = str(tmp_path / "archive.sqlite")
    process = subprocess.Popen(
        add_command(corpus, archive_location, elm_bundle),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    with open_archive(archive_location) as archive:
        deadline = time.monotonic() + 300
        while archive.counts()["cases"] == 0 and process.poll() is None:
            assert time.monotonic() < deadline, "archive add stored nothing in 5 minutes"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()
        process.stdout.close()
        process.stderr.close()

        counts = archive.counts()
        assert 1 <= counts["cases"] < N_RECORDINGS
        assert counts["reports"] == counts["cases"]
        (incomplete,) = archive._fetch(
            "SELECT count(*) FROM cases c WHERE NOT EXISTS"
            " (SELECT 1 FROM crops k WHERE k.case_id = c.id) OR NOT EXISTS"
            " (SELECT 1 FROM segments s WHERE s.case_id = c.id)"
        )
        assert incomplete[0] == 0
        done = counts["cases"]

    rerun = subprocess.run(
        add_command(corpus, archive_location, elm_bundle), capture_output=True, text=True
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"{N_RECORDINGS - done} added, {done} already archived, 0 failed" in rerun.stdout
    with open_archive(archive_location) as archive:
        assert archive.counts()["cases"] == N_RECORDINGS


def test_search_and_stats(tmp_path, corpus, elm_bundle, capsys):
    location = str(tmp_path / "archive.sqlite")
    assert main(add_command(corpus, location, elm_bundle)[3:]) == 0
    capsys.readouterr()

    assert main(["archive", "stats", "--archive", location, "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["cases"] == N_RECORDINGS and stats["model"].startswith(
        json.loads((elm_bundle / "manifest.json").read_text())["name"]
    )

    first = sorted(corpus.parent.glob("*.edf"))[0]
    common = ["--archive", location, "--model", str(elm_bundle), "--device", "cpu", "--json"]
    assert main(["archive", "search", "--file", str(first), "-k", "3", *common]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3
    assert str(first.resolve()) not in [row["source"] for row in rows]  # not itself
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)

    assert main(["archive", "search", "--text", "generalized slowing", *common]) == 0
    assert len(json.loads(capsys.readouterr().out)) == N_RECORDINGS

    # Reports were scrubbed on the way in: scrubbing the archive again changes none.
    assert main(["archive", "scrub", "--archive", location]) == 0
    assert f"0 of {N_RECORDINGS} reports scrubbed" in capsys.readouterr().out


def test_a_bad_archive_address_is_one_clear_line(tmp_path, capsys):
    not_an_archive = tmp_path / "notes.txt"
    not_an_archive.write_text("hello")
    assert main(["archive", "stats", "--archive", str(not_an_archive)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "not an elm-desktop archive" in line
