"""Property-based tests: any value in any header field, any cut, any annotation bytes.

Whatever a field holds, opening the file either gives a recording whose every number is finite
(duration, rates, samples, annotations) or one :class:`~elm_desktop.errors.ElmError` with a
one-line message; never another exception. Hypothesis runs derandomized (the same examples on
every run) and without an example database, so ``make test`` stays deterministic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elm_desktop.errors import ElmError
from elm_desktop.signals import DisplayFilter, open_recording, read_page
from elm_desktop.signals.edf_header import MAIN_FIELDS, SIGNAL_FIELDS, parse_tal_record

from .conftest import TUH_LABELS, edf_bytes, eeg_like, to_digital

LABELS = TUH_LABELS[:3]
N_RECORDS = 3
TAL = [f"+{i}\x14\x14\x00+{i}.5\x150.25\x14note {i}\x14\x00".encode() for i in range(N_RECORDS)]
GOOD = edf_bytes(
    to_digital(eeg_like(len(LABELS), 128 * N_RECORDS, 128.0)),
    LABELS,
    128,
    reserved="EDF+C",
    tal=TAL,
)
N_SIGNALS = len(LABELS) + 1  # and the annotation signal
MAIN_OFFSETS = {  # name: (offset, width) in the main header
    name: (sum(w for _, w in MAIN_FIELDS[:i]), width) for i, (name, width) in enumerate(MAIN_FIELDS)
}
NUMERIC = {
    "header bytes",
    "number of data records",
    "data record duration",
    "number of signals",
    "physical minimum",
    "physical maximum",
    "digital minimum",
    "digital maximum",
    "samples per record",
}
PROPERTIES = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ODD_NUMBERS = st.sampled_from(
    ["inf", "-inf", "nan", "NaN", "1e309", "-1e309", "1e-400", "0x10", "1_000", "+5", ".5", "5.",
     "-0", "1e5", "", " ", "--1", "1e", "٣", "0" * 8, "9" * 8, "-9999999", "1e-6", "1e-7"]
)  # fmt: skip
PRINTABLE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E))


def field_text(width: int, numeric: bool) -> st.SearchStrategy[bytes]:
    """Bytes for a field of ``width``: numbers of any kind, printable text or any bytes."""
    numbers = st.one_of(
        ODD_NUMBERS,
        st.integers(-(10**12), 10**12).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(lambda v: f"{v:g}"),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
    )
    text = st.one_of(numbers, PRINTABLE) if numeric else PRINTABLE
    as_bytes = text.map(lambda t: t.encode("utf-8", "replace"))
    return st.one_of(as_bytes, as_bytes, st.binary(max_size=width)).map(
        lambda raw: raw.ljust(width)[:width]
    )


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    return tmp_path_factory.mktemp("properties") / "mutant.edf"


def assert_reads_finite_or_refuses(path) -> None:
    """Open, read and page ``path``: finite numbers throughout, or one ElmError line.

    (A page's rows that need an absent electrode are NaN by design; the others must be finite.)
    """
    try:
        rec = open_recording(path)
        samples = rec.read_samples(0, rec.n_samples)
        annotations = rec.annotations
        page = read_page(rec, 0.0, 10.0, "tcp-elm", DisplayFilter(1.0, 70.0, 50.0))
    except ElmError as error:
        assert "\n" not in str(error) and str(error)
        return
    assert rec.n_samples > 0 and math.isfinite(rec.duration) and rec.duration > 0
    assert math.isfinite(rec.sfreq) and rec.sfreq > 0
    assert all(math.isfinite(rate) for rate in rec.channel_sfreqs.values())
    assert np.isfinite(samples).all() and np.isfinite(page.data[page.available]).all()
    assert all(math.isfinite(a.onset) and math.isfinite(a.duration) for a in annotations)


def test_the_unmutated_file_reads(target):
    target.write_bytes(GOOD)
    rec = open_recording(target)
    assert rec.n_samples == 128 * N_RECORDS and len(rec.annotations) == N_RECORDS
    assert_reads_finite_or_refuses(target)


@PROPERTIES
@given(data=st.data(), field=st.sampled_from(sorted(MAIN_OFFSETS)))
def test_any_value_in_any_main_header_field(target, data, field):
    offset, width = MAIN_OFFSETS[field]
    value = data.draw(field_text(width, field in NUMERIC), label=field)
    target.write_bytes(GOOD[:offset] + value + GOOD[offset + width :])
    assert_reads_finite_or_refuses(target)


@PROPERTIES
@given(
    data=st.data(),
    field=st.sampled_from([name for name, _ in SIGNAL_FIELDS]),
    signal=st.integers(0, N_SIGNALS - 1),
)
def test_any_value_in_any_signal_header_field(target, data, field, signal):
    index = [name for name, _ in SIGNAL_FIELDS].index(field)
    width = SIGNAL_FIELDS[index][1]
    before = sum(w for _, w in SIGNAL_FIELDS[:index])
    offset = 256 + before * N_SIGNALS + signal * width
    value = data.draw(field_text(width, field in NUMERIC), label=field)
    target.write_bytes(GOOD[:offset] + value + GOOD[offset + width :])
    assert_reads_finite_or_refuses(target)


@PROPERTIES
@given(length=st.integers(0, len(GOOD) - 1))
def test_any_truncation(target, length):
    target.write_bytes(GOOD[:length])
    with pytest.raises(ElmError):
        open_recording(target)


@PROPERTIES
@given(junk=st.binary(max_size=400), at=st.integers(0, len(TAL[0])))
def test_any_bytes_in_the_annotation_signal(junk, at):
    time_stamp, annotations = parse_tal_record(TAL[0][:at] + junk)
    assert time_stamp is None or math.isfinite(time_stamp)
    for onset, duration, text in annotations:
        assert math.isfinite(onset) and math.isfinite(duration) and text


@PROPERTIES
@given(
    stamp=st.integers(-(10**6), 10**6),
    notes=st.lists(
        st.tuples(
            st.integers(-(10**6), 10**6),
            st.one_of(st.none(), st.integers(0, 10**4)),
            st.lists(PRINTABLE.filter(lambda t: t and "\x14" not in t), min_size=1, max_size=3),
        ),
        max_size=5,
    ),
)
def test_well_formed_annotations_read_back(stamp, notes):
    record = f"{stamp:+d}\x14\x14\x00".encode()
    expected = []
    for onset, duration, texts in notes:
        timing = f"{onset:+d}" + (f"\x15{duration}" if duration is not None else "")
        record += (timing + "\x14" + "".join(t + "\x14" for t in texts) + "\x00").encode()
        expected += [(float(onset), float(duration or 0), t) for t in texts]
    assert parse_tal_record(record + bytes(7)) == (float(stamp), expected)
