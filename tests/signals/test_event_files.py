"""Events kept beside a recording: the EDF+ sidecar, an exported copy, the autosave."""

from __future__ import annotations

import hashlib

import edfio
import mne
import numpy as np
import pytest

from elm_desktop.errors import ElmError
from elm_desktop.signals import open_recording
from elm_desktop.signals.event_files import (
    EventAutosave,
    EventFileError,
    export_with_events,
    is_sidecar,
    load_sidecar,
    recording_events,
    save_sidecar,
    sidecar_path,
)
from elm_desktop.signals.events import EVENT_TYPES, FILE_ANNOTATION, Event, EventList
from tests.signals.conftest import TUH_LABELS, eeg_like, write_edf

SFREQ = 256.0
EVENTS = [
    Event(1.0 + 3 / SFREQ, 0.0, "spike", "", "Fp1-F7"),
    Event(12.5, 3.25, "seizure onset", "left temporal, rhythmic 5 Hz"),
    Event(17.123, 0.0, "note", "patient drowsy: ø ü"),
    Event(19.9, 0.1, "artifact", "", "T3-T5"),
]


@pytest.fixture
def recording_path(tmp_path):
    data = eeg_like(len(TUH_LABELS), int(20 * SFREQ), SFREQ)
    return write_edf(tmp_path / "night.edf", data, SFREQ, TUH_LABELS, [(4.0, 0.0, "Eyes closed")])


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sidecar_round_trip_through_mne_and_the_program(recording_path):
    before = sha256(recording_path)
    recording = open_recording(recording_path)
    written = save_sidecar(recording, [*recording_events(recording, EVENT_TYPES), *EVENTS])
    assert written == sidecar_path(recording_path) == recording_path.with_name("night.events.edf")

    by_mne = mne.read_annotations(written)
    assert len(by_mne) == len(EVENTS)  # the file's own annotation stays in the file
    assert np.all(np.abs(by_mne.onset - [e.onset for e in EVENTS]) <= 1 / SFREQ)
    assert np.allclose(by_mne.duration, [e.duration for e in EVENTS])
    assert list(by_mne.description) == [e.description() for e in EVENTS]

    again = load_sidecar(open_recording(recording_path), EVENT_TYPES)
    assert [(e.kind, e.text, e.channel) for e in again] == [
        (e.kind, e.text, e.channel) for e in EVENTS
    ]
    assert np.all(
        np.abs(np.array([e.onset for e in again]) - [e.onset for e in EVENTS]) <= 1 / SFREQ
    )
    assert sha256(recording_path) == before
    header = edfio.read_edf(written)
    assert (
        header.patient.name == "X" and header.starttime.hour == 10
    )  # no patient field, the time of day


def test_the_files_own_annotations_are_read_only_events(recording_path):
    events = recording_events(open_recording(recording_path), EVENT_TYPES)
    assert [(e.kind, e.text, e.read_only) for e in events] == [
        (FILE_ANNOTATION, "Eyes closed", True)
    ]


def test_no_sidecar_means_no_events(recording_path):
    assert load_sidecar(open_recording(recording_path), EVENT_TYPES) == []
    assert is_sidecar(sidecar_path(recording_path)) and not is_sidecar(recording_path)


@pytest.mark.parametrize(
    "content",
    [b"not an EDF file at all", b"0" + b" " * 300],
)
def test_a_corrupt_sidecar_is_kept_aside_with_one_line(recording_path, content):
    path = sidecar_path(recording_path)
    path.write_bytes(content)
    with pytest.raises(EventFileError) as caught:
        load_sidecar(open_recording(recording_path), EVENT_TYPES)
    assert isinstance(caught.value, ElmError) and "\n" not in str(caught.value)
    assert "night.events.unreadable.edf" in str(caught.value)
    assert not path.exists()
    assert path.with_name("night.events.unreadable.edf").read_bytes() == content


def test_a_sidecar_with_an_event_outside_the_recording_is_refused_and_kept(recording_path):
    edf = edfio.Edf(
        [],
        annotations=[
            edfio.EdfAnnotation(3.0, None, "spike"),
            edfio.EdfAnnotation(95.0, None, "spike"),
        ],
        starttime=open_recording(recording_path).patient.meas_date.time(),
    )
    path = sidecar_path(recording_path)
    edf.write(path)
    content = path.read_bytes()
    with pytest.raises(EventFileError, match="outside the recording"):
        load_sidecar(open_recording(recording_path), EVENT_TYPES)
    assert path.with_name("night.events.unreadable.edf").read_bytes() == content


def test_an_exported_copy_holds_the_data_as_it_was_and_every_annotation(recording_path, tmp_path):
    before = sha256(recording_path)
    recording = open_recording(recording_path)
    copy = export_with_events(recording, EVENTS, tmp_path / "copy.edf")
    original = mne.io.read_raw_edf(recording_path, preload=True, verbose="error")
    exported = mne.io.read_raw_edf(copy, preload=True, verbose="error")
    assert np.array_equal(original.get_data(), exported.get_data())
    texts = list(exported.annotations.description)
    assert "Eyes closed" in texts
    assert all(e.description() in texts for e in EVENTS)  # the channels are derivations
    assert edfio.read_edf(copy).patient.name == "X"  # anonymised unless asked
    assert sha256(recording_path) == before
    with pytest.raises(EventFileError, match="replace the recording"):
        export_with_events(recording, EVENTS, recording_path)
    assert sha256(recording_path) == before


def test_an_exported_copy_scrubs_what_annotations_say_of_the_patient(tmp_path):
    from elm_desktop.archive.report_scrub import scrub_report

    data = eeg_like(len(TUH_LABELS), int(20 * SFREQ), SFREQ)
    said = [(2.0, 0.0, "Eyes closed"), (6.0, 0.0, "Mrs Haagse asleep, MRN 0234567")]
    path = write_edf(tmp_path / "night.edf", data, SFREQ, TUH_LABELS, said)
    recording = open_recording(path)
    copy = export_with_events(
        recording, EVENTS, tmp_path / "copy.edf", scrub_text=lambda t: scrub_report(t)
    )
    texts = list(mne.io.read_raw_edf(copy, verbose="error").annotations.description)
    assert "Eyes closed" in texts and not any("Haagse" in t or "0234567" in t for t in texts)
    assert all(e.description() in texts for e in EVENTS)
    original = mne.io.read_raw_edf(path, preload=True, verbose="error")
    exported = mne.io.read_raw_edf(copy, preload=True, verbose="error")
    assert np.array_equal(original.get_data(), exported.get_data())
    # Asked to keep the patient's fields, the text stays as written.
    kept = export_with_events(
        recording, EVENTS, tmp_path / "kept.edf", keep_patient_fields=True, scrub_text=scrub_report
    )
    kept_texts = mne.io.read_raw_edf(kept, verbose="error").annotations.description
    assert "Mrs Haagse asleep, MRN 0234567" in list(kept_texts)


def test_the_autosave_brings_back_unsaved_events_and_forgets_them_when_saved(
    recording_path, tmp_path
):
    autosave = EventAutosave(tmp_path / "autosave")
    recording = open_recording(recording_path)
    assert autosave.load(recording) is None
    autosave.save(recording, EVENTS)
    assert "night" not in autosave.path(recording_path).read_text()
    assert autosave.load(recording) == EVENTS
    autosave.discard(recording_path)
    assert autosave.load(recording) is None


def test_an_unreadable_autosave_is_moved_aside(recording_path, tmp_path):
    autosave = EventAutosave(tmp_path / "autosave")
    autosave.folder.mkdir()
    autosave.path(recording_path).write_text("{broken")
    recording = open_recording(recording_path)
    with pytest.raises(EventFileError, match="moved to"):
        autosave.load(recording)
    assert autosave.load(recording) is None


def _another_recording_at(path, start):
    """Write another patient's recording over ``path`` (an acquisition system's export.edf)."""
    data = eeg_like(len(TUH_LABELS), int(30 * SFREQ), SFREQ)
    write_edf(path, data, SFREQ, TUH_LABELS, [(2.0, 0.0, "Eyes open")])
    edf = edfio.read_edf(path)
    edf.starttime = start
    edf.write(path)
    return open_recording(path)


def test_events_saved_for_another_recording_at_the_same_path_are_set_aside(recording_path):
    import datetime as dt

    save_sidecar(open_recording(recording_path), EVENTS)
    content = sidecar_path(recording_path).read_bytes()
    other = _another_recording_at(recording_path, dt.time(14, 5, 0))
    with pytest.raises(EventFileError) as caught:
        load_sidecar(other, EVENT_TYPES)
    message = str(caught.value)
    assert "another recording" in message and "14:05:00" in message and "\n" not in message
    assert not sidecar_path(recording_path).exists()
    aside = recording_path.with_name("night.events.other-recording.edf")
    assert aside.read_bytes() == content and is_sidecar(aside)
    assert load_sidecar(other, EVENT_TYPES) == []  # the next opening starts clean
    # A second one set aside does not overwrite the first.
    save_sidecar(open_recording(recording_path), EVENTS)
    again = _another_recording_at(recording_path, dt.time(16, 0, 0))
    with pytest.raises(EventFileError, match="night.2.events.other-recording.edf"):
        load_sidecar(again, EVENT_TYPES)
    assert aside.read_bytes() == content
    assert is_sidecar(recording_path.with_name("night.2.events.other-recording.edf"))


def test_unsaved_events_of_another_recording_at_the_same_path_are_set_aside(
    recording_path, tmp_path
):
    import datetime as dt

    autosave = EventAutosave(tmp_path / "autosave")
    first = open_recording(recording_path)
    autosave.save(first, EVENTS)
    start = first.patient.meas_date.time()  # the same start: the length tells them apart
    other = _another_recording_at(recording_path, dt.time(start.hour, start.minute, start.second))
    with pytest.raises(EventFileError, match="another recording") as caught:
        autosave.load(other)
    assert "\n" not in str(caught.value)
    assert autosave.load(other) is None
    kept = autosave.path(recording_path).with_suffix(".other-recording.json")
    assert "spike" in kept.read_text()  # nothing is lost


def test_a_list_built_from_the_files_keeps_their_origins(recording_path):
    recording = open_recording(recording_path)
    events = EventList(
        recording.duration, recording.sfreq, recording_events(recording, EVENT_TYPES), EVENTS
    )
    assert len(events.events) == 5 and len(events.reviewer_events) == 4 and not events.unsaved
