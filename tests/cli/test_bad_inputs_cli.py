"""Every bad input named in issue 16, through the commands: exit 2, one line, no traceback.

Files are built byte by byte (``tests/signals/conftest.py``), each with one defect. The
commands run in this process (an exception escaping ``main`` fails the test as a traceback
would), except where only a real process shows the behaviour: a closed pipe, and a file the
user may not read (root reads every file, so that test drops root's file-access capabilities).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from elm_desktop.cli import main
from tests.signals.conftest import TUH_LABELS, edf_bytes, eeg_like, to_digital
from tests.signals.test_bad_files import CASES as PROJECT_BAD_FILES

LABELS = TUH_LABELS[:19]
SECONDS = 12


def recording_bytes(bdf: bool = False, **kwargs) -> bytes:
    digital = to_digital(eeg_like(len(LABELS), 256 * SECONDS, 256.0), bdf=bdf)
    return edf_bytes(digital, LABELS, 256, bdf=bdf, **kwargs)


def each_signal(value: str) -> list[str]:
    return [value] * len(LABELS)


NARROW_DIGITAL = {"digital minimum": each_signal("-32768"), "digital maximum": each_signal("32767")}
BAD_HEADERS = {
    **{
        f"{field}={value}": ({"header": {field: value}}, f"'{field}' is '{value[:4]}")
        for field in ("number of data records", "number of signals", "header bytes")
        for value in ("inf", "1e309")
    },
    **{
        f"{field}={value}": (
            {"signal_fields": {field: each_signal(value)}},
            f"'{field} of signal 1 ('EEG FP1-REF')' is '{value}'",
        )
        for field in ("digital minimum", "digital maximum", "samples per record")
        for value in ("inf", "1e309")
    },
    "record duration nan": ({"header": {"data record duration": "nan"}}, "'data record duration'"),
    "record duration inf": ({"header": {"data record duration": "inf"}}, "'data record duration'"),
    "physical maximum inf": (
        {"signal_fields": {"physical maximum": each_signal("inf")}},
        "'physical maximum of signal 1",
    ),
    "physical minimum nan": (
        {"signal_fields": {"physical minimum": each_signal("nan")}},
        "'physical minimum of signal 1",
    ),
}


def assert_one_line_error(code: int, err: str, message: str) -> None:
    assert code == 2, err
    assert err.startswith("elm-desktop: error: ") and err.count("\n") == 1, err
    assert message in err and "Traceback" not in err


def run_command(command: str, path: Path, tmp_path: Path) -> int:
    extra = {
        "info": [],
        "preprocess": ["--out", str(tmp_path / "x.npy")],
        "analyze": ["--json", str(tmp_path / "x.json"), "--device", "cpu"],
    }[command]
    return main([command, str(path), *extra])


@pytest.mark.parametrize("command", ["info", "preprocess", "analyze"])
@pytest.mark.parametrize("case", list(PROJECT_BAD_FILES))
def test_the_projects_bad_files_through_every_command(case, command, tmp_path, capsys):
    content, _, message = PROJECT_BAD_FILES[case]
    path = tmp_path / "bad.edf"
    path.write_bytes(content)
    assert_one_line_error(run_command(command, path, tmp_path), capsys.readouterr().err, message)
    assert not (tmp_path / "x.npy").exists() and not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("command", ["info", "preprocess", "analyze"])
@pytest.mark.parametrize("case", list(BAD_HEADERS))
def test_bad_header_number(case, command, tmp_path, capsys):
    fields, message = BAD_HEADERS[case]
    path = tmp_path / "bad.edf"
    path.write_bytes(recording_bytes(**fields))
    assert_one_line_error(run_command(command, path, tmp_path), capsys.readouterr().err, message)
    assert not (tmp_path / "x.npy").exists() and not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("command", ["info", "preprocess", "analyze"])
def test_24_bit_bdf_under_an_edf_version_field(command, tmp_path, capsys):
    path = tmp_path / "bad.edf"
    path.write_bytes(b"0       " + recording_bytes(bdf=True, signal_fields=NARROW_DIGITAL)[8:])
    code = run_command(command, path, tmp_path)
    assert_one_line_error(code, capsys.readouterr().err, "24-bit BDF samples exactly")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: path.mkdir(), "a folder, not a recording"),
        (os.mkfifo, "a named pipe (FIFO), not a regular file"),
        (lambda path: path.symlink_to(path), "a symbolic link that loops back on itself"),
        (lambda path: None, "no such file"),
    ],
    ids=["folder", "fifo", "symlink loop", "missing"],
)
@pytest.mark.parametrize("command", ["info", "preprocess", "analyze"])
def test_paths_that_are_not_readable_files(command, make, message, tmp_path, capsys):
    path = tmp_path / "rec.edf"
    make(path)
    assert_one_line_error(run_command(command, path, tmp_path), capsys.readouterr().err, message)


def test_file_without_read_permission(tmp_path):
    path = tmp_path / "locked.edf"
    path.write_bytes(recording_bytes())
    path.chmod(0)
    command = [sys.executable, "-m", "elm_desktop.cli", "info", str(path)]
    if os.geteuid() == 0:  # root reads any file: drop the capabilities that let it
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv to drop file-access capabilities")
        command = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert_one_line_error(done.returncode, done.stderr, "no permission to read it")


def test_records_past_the_header_count_are_reported_by_info(tmp_path, capsys):
    content = recording_bytes()
    record_bytes = 256 * 2 * len(LABELS)
    junk = np.random.default_rng(3).integers(0, 256, 10 * record_bytes, np.uint8).tobytes()
    path = tmp_path / "extra.edf"
    path.write_bytes(content + junk)
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"duration   0:00:{SECONDS}.00" in out
    assert f"warning    {10 * record_bytes} bytes after the {SECONDS} data records" in out


def test_records_past_the_header_count_are_named_in_the_analysis(tmp_path, elm_bundle, capsys):
    record_bytes = 256 * 2 * len(LABELS)
    path = tmp_path / "extra.edf"
    path.write_bytes(recording_bytes() + bytes(10 * record_bytes))
    out = tmp_path / "extra.json"
    assert main(["analyze", str(path), "--model", str(elm_bundle), "--json", str(out),
                 "--device", "cpu"]) == 0  # fmt: skip
    notice = json.loads(out.read_text())["notice"]
    assert f"{10 * record_bytes} bytes after the {SECONDS} data records" in notice


def test_json_into_a_missing_folder_is_refused_before_the_analysis(tmp_path, capsys):
    # The recording is bad too: the output is checked first, so that is what is reported.
    path = tmp_path / "bad.edf"
    path.write_bytes(b"not an EDF file at all")
    out = tmp_path / "missing" / "x.json"
    code = main(["analyze", str(path), "--json", str(out), "--device", "cpu"])
    assert_one_line_error(code, capsys.readouterr().err, "does not exist")
    assert not out.parent.exists()


def test_html_into_a_folder_is_refused_before_the_analysis(tmp_path, capsys):
    path = tmp_path / "bad.edf"
    path.write_bytes(b"not an EDF file at all")
    code = main(["analyze", str(path), "--html", str(tmp_path), "--device", "cpu"])
    assert_one_line_error(code, capsys.readouterr().err, "is a folder; give a file name")


def test_preprocess_into_a_missing_folder_writes_nothing(tmp_path, capsys):
    path = tmp_path / "rec.edf"
    path.write_bytes(recording_bytes())
    out = tmp_path / "missing" / "x.npy"
    code = main(["preprocess", str(path), "--out", str(out)])
    assert_one_line_error(code, capsys.readouterr().err, "does not exist")


def test_a_closed_pipe_ends_info_quietly(tmp_path):
    # `elm-desktop info F | head -1`: ~150 kB of annotation lines, more than a pipe holds, so
    # the command is still writing when the reader goes away.
    path = tmp_path / "notes.edf"
    notes = "".join(f"note {n}\x14" for n in range(300))
    tal = [f"+{i}\x14\x14\x00+{i}\x14{notes}\x00".encode() for i in range(SECONDS)]
    path.write_bytes(recording_bytes(reserved="EDF+C", tal=tal))
    process = subprocess.Popen(
        [sys.executable, "-m", "elm_desktop.cli", "info", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # what `head -1` does once it has its line
    err = process.stderr.read().decode()
    status = process.wait(timeout=120)
    assert first.startswith(str(path).encode())
    assert err == "" and status == 141  # 128 + SIGPIPE, as a Unix tool stopped by the pipe


def test_a_refused_preprocess_leaves_an_earlier_output_as_it_was(tmp_path, capsys):
    # No Cz: the refusal comes once the output is being written, from the first block.
    labels = [label for label in LABELS if "CZ" not in label]
    digital = to_digital(eeg_like(len(labels), 256 * SECONDS, 256.0))
    path = tmp_path / "no_cz.edf"
    path.write_bytes(edf_bytes(digital, labels, 256))
    out = tmp_path / "x.npy"
    out.write_bytes(b"an earlier result")
    code = main(["preprocess", str(path), "--out", str(out)])
    assert_one_line_error(code, capsys.readouterr().err, "lacks Cz for the ELM montage")
    assert out.read_bytes() == b"an earlier result"
    assert {p.name for p in tmp_path.iterdir()} == {"no_cz.edf", "x.npy"}  # no x.npy.part


def test_a_line_break_in_the_file_name_keeps_the_error_on_one_line(tmp_path, capsys):
    path = tmp_path / "two\nlines.edf"
    path.write_bytes(b"not an EDF file at all")
    code = main(["info", str(path)])
    assert_one_line_error(code, capsys.readouterr().err, "two lines.edf is not an EDF")


def test_info_escapes_control_characters_from_the_file(tmp_path, capsys):
    # An annotation with a terminal escape sequence and a line break, as a hostile file has.
    tal = [f"+{i}\x14\x14\x00".encode() for i in range(SECONDS)]
    tal[2] += b"+2\x14red \x1b[31malert\nsecond line\x14\x00"
    path = tmp_path / "notes.edf"
    path.write_bytes(recording_bytes(reserved="EDF+C", tal=tal))
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "   0.00 s  red \\x1b[31malert\\nsecond line\n" in out
