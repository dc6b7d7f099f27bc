"""What must hold when things go wrong: killed writers, newer archives, wrong files."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from elm_desktop.archive import open_archive
from elm_desktop.errors import ArchiveError

HERE = Path(__file__).parent

# Adds cases 0..n-1 (each from its own seed, so a rerun makes the same files) and prints each id.
WRITER = """
import sys
import numpy as np
sys.path.insert(0, {here!r})
from conftest import make_case
from elm_desktop.archive import open_archive
location, n = sys.argv[1], int(sys.argv[2])
with open_archive(location) as archive:
    for i in range(n):
        added = archive.add_case(make_case(np.random.default_rng(i), n_crops=400))
        print(i, added is not None, flush=True)
"""


def run_writer(location: str, n: int, kill_after: int | None = None) -> list[str]:
    """Run the writer in a real subprocess; SIGKILL it after ``kill_after`` printed lines."""
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER.format(here=str(HERE)), location, str(n)],
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = []
    for line in process.stdout:
        lines.append(line.split())
        if kill_after is not None and len(lines) == kill_after:
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    process.stdout.close()
    return lines


def test_a_killed_writer_leaves_whole_cases_and_the_next_run_finishes(archive_location):
    n = 40
    run_writer(archive_location, n, kill_after=12)

    with open_archive(archive_location) as archive:
        counts = archive.counts()
        assert 12 <= counts["cases"] < n
        # Every stored case is whole: its crops, its report and both its segments.
        assert counts == {
            "cases": counts["cases"],
            "reports": counts["cases"],
            "segments": 2 * counts["cases"],
            "crops": 400 * counts["cases"],
        }
        (orphans,) = archive._fetch(
            "SELECT count(*) FROM cases c LEFT JOIN crops k ON k.case_id = c.id"
            " WHERE k.case_id IS NULL"
        )
        assert orphans[0] == 0
        if not archive_location.startswith("postgresql"):
            assert archive._fetch("PRAGMA integrity_check") == [("ok",)]
        done_before = counts["cases"]

    lines = run_writer(archive_location, n)
    assert sum(added == "True" for _, added in lines) == n - done_before
    with open_archive(archive_location) as archive:
        assert archive.counts()["cases"] == n


def test_an_archive_from_a_newer_version_is_refused(archive_location):
    with open_archive(archive_location) as archive:
        archive._db.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(ArchiveError, match="newer elm-desktop .*schema 99"):
        open_archive(archive_location)


def test_the_sqlite_archive_runs_in_wal_mode(tmp_path):
    with open_archive(tmp_path / "a.sqlite") as archive:
        assert archive._fetch("PRAGMA journal_mode") == [("wal",)]


def test_the_default_archive_lives_in_the_user_data_directory(isolated_data_dir):
    with open_archive() as archive:
        assert Path(archive.location) == isolated_data_dir / "archive.sqlite"


def test_a_file_that_is_no_archive_is_refused_untouched(tmp_path):
    report = tmp_path / "report.txt"
    report.write_text("IMPRESSION: normal")
    with pytest.raises(ArchiveError, match="not an elm-desktop archive"):
        open_archive(report)
    assert report.read_text() == "IMPRESSION: normal"

    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE patients (name TEXT)")
    with pytest.raises(ArchiveError, match="not an elm-desktop archive"):
        open_archive(other)

    with pytest.raises(ArchiveError, match="folder"):
        open_archive(tmp_path)


def test_an_unreachable_database_is_a_clear_error(tmp_path):
    with pytest.raises(ArchiveError, match="cannot connect to the archive database"):
        open_archive(f"postgresql://elm:secret@/archive?host={tmp_path}&connect_timeout=2")
