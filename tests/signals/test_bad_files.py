"""Every bad input of the issue, built byte by byte: one clear error, no traceback needed."""

import numpy as np
import pytest

from elm_desktop.errors import (
    BadHeaderError,
    ElmError,
    EmptyRecordingError,
    NotAnEdfFileError,
    TruncatedRecordingError,
)
from elm_desktop.signals import open_recording

from .conftest import TUH_LABELS, edf_bytes, eeg_like, to_digital

LABELS = TUH_LABELS[:4]


def good_bytes(**kwargs) -> bytes:
    digital = to_digital(eeg_like(len(LABELS), 256 * 4, 256.0))
    return edf_bytes(digital, LABELS, 256, **kwargs)


CASES = {
    "not EDF": (b"PK\x03\x04 this is a zip file" + bytes(300), NotAnEdfFileError, "not an EDF"),
    "too short to be EDF": (b"0       abc", NotAnEdfFileError, "not an EDF"),
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
    "bad start date": (good_bytes(header={"start date": "2002-3-2"}), BadHeaderError, "dd.mm.yy"),
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
    with pytest.raises(NotAnEdfFileError, match="no such file"):
        open_recording(tmp_path / "absent.edf")


def test_good_bytes_open(tmp_path):
    # The builder itself makes valid files, so the cases above fail for their one defect.
    path = tmp_path / "good.edf"
    path.write_bytes(good_bytes())
    assert open_recording(path).n_samples == 4 * 256
