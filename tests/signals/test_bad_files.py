"""Every bad input of the issue, built byte by byte: one clear error, no traceback needed."""

import os

import numpy as np
import pytest

from elm_desktop.errors import (
    BadHeaderError,
    ElmError,
    EmptyRecordingError,
    NotAnEdfFileError,
    TruncatedRecordingError,
    UnreadableFileError,
)
from elm_desktop.signals import open_recording

from .conftest import TUH_LABELS, edf_bytes, eeg_like, to_digital

LABELS = TUH_LABELS[:4]


def good_bytes(**kwargs) -> bytes:
    digital = to_digital(eeg_like(len(LABELS), 256 * 4, 256.0))
    return edf_bytes(digital, LABELS, 256, **kwargs)


CASES = {
    "not EDF": (b"PK\x03\x04 this is a zip file" + bytes(300), NotAnEdfFileError, "not an EDF"),
    "cut short in its header": (
        b"0       abc", TruncatedRecordingError, "11 of its first 256 bytes"
    ),
    "empty": (b"", NotAnEdfFileError, "(it is empty)"),
    "a WFDB header named .edf": (
        b"r00006 12 500 5000\nr00006.dat 16 1000 16 0 -12 0 0 I\n",
        NotAnEdfFileError,
        "it holds text, beginning 'r00006 12 500 5000': a WFDB header",
    ),
    "an XML export named .edf": (
        b'<?xml version="1.0"?><AnnotatedECG/>' + bytes(300),
        NotAnEdfFileError,
        "it holds XML, as an HL7 aECG or GE MUSE ECG export does",
    ),
    "an XML export with a byte-order mark named .edf": (
        b'\xef\xbb\xbf<?xml version="1.0"?><AnnotatedECG/>' + bytes(300),
        NotAnEdfFileError,
        "it holds XML, as an HL7 aECG or GE MUSE ECG export does",
    ),
    "truncated": (good_bytes()[:-700], TruncatedRecordingError, "3 complete data records of the 4"),
    "non-numeric record count": (
        good_bytes(header={"number of data records": "four"}),
        BadHeaderError,
        "'number of data records' is 'four'",
    ),
    "non-numeric physical maximum": (
        good_bytes(signal_fields={"physical maximum": ["3200", "abc", "3200", "3200"]}),
        BadHeaderError,
        "'physical maximum of signal 2",
    ),
    "inconsistent header size": (
        good_bytes(header={"header bytes": "1024"}),
        BadHeaderError,
        "do not agree",
    ),
    "zero data records": (
        good_bytes(header={"number of data records": "0"}),
        EmptyRecordingError,
        "zero data records",
    ),
    "physical minimum equals maximum": (
        good_bytes(signal_fields={"physical minimum": ["-3200", "-3200", "50", "-3200"],
                                  "physical maximum": ["3200", "3200", "50", "3200"]}),
        BadHeaderError,
        "physical minimum equal to maximum",
    ),
    "digital minimum above maximum": (
        good_bytes(signal_fields={"digital minimum": ["100"] * 4, "digital maximum": ["-100"] * 4}),
        BadHeaderError,
        "digital minimum 100 not below",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_bad_file_gives_one_clear_line(case, tmp_path):
    content, error_type, message = CASES[case]
    path = tmp_path / "bad.edf"
    path.write_bytes(content)
    with pytest.raises(error_type, match=message) as caught:
        open_recording(path)
    text = str(caught.value)
    assert isinstance(caught.value, ElmError)
    assert "\n" not in text and "bad.edf" in text
    assert ";" in text or ":" in text  # says what to do after what is wrong


def test_annotations_only_edf_plus(tmp_path):
    path = tmp_path / "notes.edf"
    tal = [f"+{i}\x14\x14\x00".encode() for i in range(3)]
    path.write_bytes(edf_bytes(np.zeros((0, 3 * 8), np.int64), [], 8, reserved="EDF+C", tal=tal))
    with pytest.raises(EmptyRecordingError, match="only annotations"):
        open_recording(path)


def test_missing_file(tmp_path):
    with pytest.raises(UnreadableFileError, match="no such file"):
        open_recording(tmp_path / "absent.edf")


def test_good_bytes_open(tmp_path):
    # The builder itself makes valid files, so the cases above fail for their one defect.
    path = tmp_path / "good.edf"
    path.write_bytes(good_bytes())
    assert open_recording(path).n_samples == 4 * 256


MAIN_NUMBERS = (
    "number of data records",
    "data record duration",
    "number of signals",
    "header bytes",
)
SIGNAL_NUMBERS = {  # field: its value in good_bytes()
    "physical minimum": "-3200",
    "physical maximum": "3200",
    "digital minimum": "-32768",
    "digital maximum": "32767",
    "samples per record": "256",
}
NOT_FINITE = ("inf", "-inf", "nan", "1e309", "-1e309", "1e99999")


@pytest.mark.parametrize("value", NOT_FINITE)
@pytest.mark.parametrize("field", MAIN_NUMBERS)
def test_non_finite_main_header_number_is_named(field, value, tmp_path):
    path = tmp_path / "bad.edf"
    path.write_bytes(good_bytes(header={field: value}))
    with pytest.raises(BadHeaderError) as caught:
        open_recording(path)
    # The field is named with the (width-cut) value it holds.
    assert f"'{field}' is '{value[: 4 if field == 'number of signals' else 8]}'" in str(
        caught.value
    )


@pytest.mark.parametrize("value", NOT_FINITE)
@pytest.mark.parametrize("field", SIGNAL_NUMBERS)
def test_non_finite_signal_header_number_is_named(field, value, tmp_path):
    path = tmp_path / "bad.edf"
    good = SIGNAL_NUMBERS[field]
    path.write_bytes(good_bytes(signal_fields={field: [good, value, good, good]}))
    with pytest.raises(BadHeaderError) as caught:
        open_recording(path)
    assert f"'{field} of signal 2 ('EEG FP2-REF')' is '{value}'" in str(caught.value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"physical maximum": ["inf"] * 4}, "'physical maximum of signal 1"),
        ({"physical minimum": ["nan"] * 4}, "'physical minimum of signal 1"),
        # finite fields whose scaling overflows: samples would read as inf
        (
            {"physical minimum": ["-1e308"] * 4, "physical maximum": ["1e308"] * 4},
            "beyond 1e\\+200",
        ),
        ({"digital minimum": ["-40000"] * 4}, "outside the 16-bit EDF sample range"),
        ({"samples per record": ["2.5"] * 4}, "is '2.5', not a whole number"),
        ({"samples per record": ["1e3"] * 4}, "is '1e3', not a whole number"),
        ({"samples per record": ["0"] * 4}, "must be a whole number from 1"),
    ],
)
def test_header_numbers_out_of_range(fields, message, tmp_path):
    path = tmp_path / "bad.edf"
    path.write_bytes(good_bytes(signal_fields=fields))
    with pytest.raises(BadHeaderError, match=message):
        open_recording(path)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"data record duration": "0"}, "'data record duration' is '0'"),
        ({"data record duration": "-1"}, "'data record duration' is '-1'"),
        ({"data record duration": "1e-9"}, "'data record duration' is '1e-9'"),  # 256 GHz
        ({"number of data records": "-2"}, "'number of data records' is '-2'"),
        ({"number of signals": "0"}, "'number of signals' is '0'"),
        ({"number of signals": "-4"}, "'number of signals' is '-4'"),
    ],
)
def test_main_header_numbers_out_of_range(fields, message, tmp_path):
    path = tmp_path / "bad.edf"
    path.write_bytes(good_bytes(header=fields))
    with pytest.raises(BadHeaderError, match=message):
        open_recording(path)


def test_too_high_sampling_rate(tmp_path):
    path = tmp_path / "bad.edf"
    path.write_bytes(good_bytes(header={"data record duration": "1e-4"}))  # 2.56 MHz
    with pytest.raises(BadHeaderError, match="2.56e\\+06 Hz"):
        open_recording(path)


def bdf_bytes(**kwargs) -> bytes:
    digital = to_digital(eeg_like(len(LABELS), 256 * 4, 256.0), bdf=True)
    return edf_bytes(digital, LABELS, 256, bdf=True, **kwargs)


def test_24_bit_samples_under_an_edf_version_field(tmp_path):
    # A digital range that 16 bits can hold, so only the file size gives the width away.
    narrow = {"digital minimum": ["-32768"] * 4, "digital maximum": ["32767"] * 4}
    path = tmp_path / "bad.edf"
    path.write_bytes(b"0       " + bdf_bytes(signal_fields=narrow)[8:])
    with pytest.raises(BadHeaderError, match="version field says EDF.*24-bit BDF samples"):
        open_recording(path)


def test_bdf_digital_range_under_an_edf_version_field(tmp_path):
    path = tmp_path / "bad.edf"
    path.write_bytes(b"0       " + bdf_bytes()[8:])
    with pytest.raises(BadHeaderError, match="-8388608, outside the 16-bit EDF sample range"):
        open_recording(path)


def test_16_bit_samples_under_a_bdf_version_field(tmp_path):
    path = tmp_path / "bad.bdf"
    path.write_bytes(b"\xffBIOSEMI" + good_bytes()[8:])
    with pytest.raises(BadHeaderError, match="version field says BDF.*16-bit EDF samples"):
        open_recording(path)


def test_records_past_the_declared_count_are_ignored_with_a_warning(tmp_path):
    content = good_bytes()
    record = content[256 * 5 : 256 * 5 + 256 * 2 * len(LABELS)]
    path = tmp_path / "extra.edf"
    path.write_bytes(content + bytes(reversed(record)) * 10)  # junk in 10 more records
    rec = open_recording(path)
    assert rec.n_samples == 4 * 256 and rec.duration == 4.0
    assert rec.warnings == (
        f"{10 * len(record)} bytes after the 4 data records the header declares "
        "(10 records) were ignored",
    )
    expected = open_recording(_good_file(tmp_path))
    np.testing.assert_array_equal(
        rec.read_samples(0, rec.n_samples), expected.read_samples(0, 1024)
    )


@pytest.mark.parametrize("date", ["2002-3-2", "31.02.21", "        "])
def test_an_unreadable_start_date_is_read_without_its_time_of_day(date, tmp_path):
    path = tmp_path / "no-date.edf"
    path.write_bytes(good_bytes(header={"start date": date}))

    rec = open_recording(path)

    assert rec.patient.meas_date is None
    assert len(rec.warnings) == 1 and f"start date/time {date.strip()!r}" in rec.warnings[0]
    assert "without the time of day" in rec.warnings[0]
    expected = open_recording(_good_file(tmp_path))
    assert expected.patient.meas_date is not None
    np.testing.assert_array_equal(
        rec.read_samples(0, rec.n_samples), expected.read_samples(0, 1024)
    )


def _good_file(tmp_path):
    path = tmp_path / "good.edf"
    path.write_bytes(good_bytes())
    return path


def test_a_folder_is_named_as_such(tmp_path):
    with pytest.raises(UnreadableFileError, match="a folder, not a recording"):
        open_recording(tmp_path)


def test_a_fifo_is_named_as_such_and_never_opened(tmp_path):
    path = tmp_path / "pipe.edf"
    os.mkfifo(path)  # opening it for reading would wait for a writer forever
    with pytest.raises(UnreadableFileError, match="a named pipe"):
        open_recording(path)


def test_a_symlink_loop_is_named_as_such(tmp_path):
    path = tmp_path / "loop.edf"
    path.symlink_to(path)
    with pytest.raises(UnreadableFileError, match="loops back on itself"):
        open_recording(path)


def test_a_dangling_symlink_is_named_as_such(tmp_path):
    path = tmp_path / "link.edf"
    path.symlink_to(tmp_path / "gone.edf")
    with pytest.raises(UnreadableFileError, match="a symbolic link to a missing file"):
        open_recording(path)


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root reads any file; tests/cli drops its capabilities for this"
)
def test_a_file_without_read_permission(tmp_path):
    path = _good_file(tmp_path)
    path.chmod(0)
    with pytest.raises(UnreadableFileError, match="no permission to read it"):
        open_recording(path)
