"""The event list of one recording: checks, order, read-only file annotations, jumps."""

from __future__ import annotations

import pytest

from elm_desktop.errors import ElmError
from elm_desktop.signals.events import (
    EVENT_TYPES,
    FILE_ANNOTATION,
    Event,
    EventError,
    EventList,
    parse_description,
)


def make_list(**kwargs) -> EventList:
    file_events = [Event(5.0, 0.0, FILE_ANNOTATION, "eyes closed", origin="file")]
    return EventList(60.0, 256.0, file_events, **kwargs)


def test_added_events_are_sorted_with_the_files_and_mark_the_list_unsaved():
    events = make_list()
    changes = []
    events.observe(lambda: changes.append(len(events.events)))
    events.add(Event(30.0, 2.0, "seizure onset", "left temporal", "T3-T5"))
    events.add(Event(1.0, 0.0, "spike"))
    assert [e.onset for e in events.events] == [1.0, 5.0, 30.0]
    assert [e.origin for e in events.events] == ["reviewer", "file", "reviewer"]
    assert events.unsaved and changes == [2, 3]
    assert events.kinds() == ["spike", FILE_ANNOTATION, "seizure onset"]


@pytest.mark.parametrize(
    "event",
    [
        Event(61.0, 0.0, "spike"),  # after the end
        Event(-1.0, 0.0, "spike"),
        Event(59.0, 5.0, "artifact"),  # ends after the end
        Event(10.0, -1.0, "artifact"),
        Event(float("nan"), 0.0, "spike"),
        Event(10.0, 0.0, " "),
        Event(10.0, 0.0, "spike", "a\x14b"),
        Event(10.0, 0.0, "spike", channel="Fp1@@F7"),
        Event(10.0, 0.0, "odd: type"),
    ],
)
def test_a_bad_event_is_refused_in_one_line_and_nothing_changes(event):
    events = make_list()
    before = events.events
    with pytest.raises(EventError) as caught:
        events.add(event)
    assert isinstance(caught.value, ElmError)
    assert "\n" not in str(caught.value)
    assert events.events == before and not events.unsaved


def test_an_event_one_sample_past_the_end_is_clamped_into_the_recording():
    events = make_list()
    kept = events.add(Event(60.0 + 0.5 / 256, 0.0, "note"))
    assert kept.onset == 60.0


def test_file_annotations_cannot_be_edited_or_deleted():
    events = make_list()
    annotation = events.file_events[0]
    with pytest.raises(EventError, match="annotation of the recording file"):
        events.remove(annotation)
    with pytest.raises(EventError):
        events.replace(annotation, Event(6.0, 0.0, "note"))
    assert events.events == (annotation,)


def test_replace_and_remove_change_only_the_reviewers_event():
    events = make_list()
    spike = events.add(Event(10.0, 0.0, "spike"))
    sharp = events.replace(spike, Event(11.0, 0.2, "sharp wave", "F7"))
    assert [e.kind for e in events.reviewer_events] == ["sharp wave"]
    events.remove(sharp)
    assert events.reviewer_events == ()
    with pytest.raises(EventError, match="not an event"):
        events.remove(sharp)


def test_next_and_previous_follow_the_type_filter():
    events = make_list()
    for onset, kind in ((10.0, "spike"), (20.0, "artifact"), (30.0, "spike")):
        events.add(Event(onset, 0.0, kind))
    assert events.next_after(10.0).onset == 20.0
    assert events.next_after(10.0, ["spike"]).onset == 30.0
    assert events.previous_before(30.0, ["spike"]).onset == 10.0
    assert events.previous_before(10.0, ["spike"]) is None
    assert events.next_after(30.0) is None


@pytest.mark.parametrize(
    ("event", "written"),
    [
        (Event(1.0, 0.0, "spike"), "spike"),
        (Event(1.0, 0.0, "note", "drowsy"), "note: drowsy"),
        (Event(1.0, 0.0, "sharp wave", "", "F7-T3"), "sharp wave@@F7-T3"),
        (
            Event(1.0, 0.0, "seizure onset", "left: temporal", "T3-T5"),
            "seizure onset: left: temporal@@T3-T5",
        ),
    ],
)
def test_descriptions_round_trip(event, written):
    assert event.description() == written
    assert parse_description(written, EVENT_TYPES, "note") == (
        event.kind,
        event.text,
        event.channel,
    )


def test_a_description_naming_no_known_type_keeps_its_whole_text():
    assert parse_description("Eyes open: photic", EVENT_TYPES, FILE_ANNOTATION) == (
        FILE_ANNOTATION,
        "Eyes open: photic",
        None,
    )
    assert parse_description("SPIKE", EVENT_TYPES, "note") == ("spike", "", None)
