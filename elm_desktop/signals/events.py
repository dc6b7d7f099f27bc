"""Events and notes a reviewer marks on a recording, and the recording's own EDF+ annotations.

An :class:`Event` is a time point (duration 0) or a span, on the whole recording or on one
derivation, of one type (spike, sharp wave, ..., note, or a type the reviewer added) with an
optional free text. An :class:`EventList` holds the events of one recording: the file's own
annotations, read-only, and the reviewer's, which it checks, keeps sorted and reports to its
observers. It imports no Qt; the window observes it.

In an EDF+ annotation an event is written as ``"<type>: <text>@@<channel>"`` (the ``: <text>``
and ``@@<channel>`` parts only when present), the channel suffix being MNE's own convention for
channel-specific EDF+ annotations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from elm_desktop.errors import ElmError

EVENT_TYPES: tuple[str, ...] = (
    "spike",
    "sharp wave",
    "seizure onset",
    "seizure offset",
    "artifact",
    "clinical event",
    "note",
)
"""The built-in event types; the reviewer may add more (kept in the settings)."""

FILE_ANNOTATION = "annotation"
"""Type of a recording's own EDF+ annotation whose text names no known type."""

CHANNEL_MARK = "@@"
TYPE_MARK = ": "
_FORBIDDEN = ("\x00", "\x14", "\x15", CHANNEL_MARK)  # EDF+ TAL separators, the channel mark

Origin = Literal["file", "reviewer"]


class EventError(ElmError):
    """An event cannot be added or changed as asked (outside the recording, bad text)."""


@dataclass(frozen=True)
class Event:
    """One event: onset and duration in seconds from the first sample.

    Attributes
    ----------
    onset : float
    duration : float
        0 for a time point.
    kind : str
        Its type, e.g. ``"spike"``.
    text : str
        The reviewer's note, possibly empty.
    channel : str or None
        The derivation it is on (e.g. ``"Fp1-F7"``); None for the whole recording.
    origin : {"file", "reviewer"}
        ``"file"``: an annotation of the recording itself, shown but never changed.
    """

    onset: float
    duration: float
    kind: str
    text: str = ""
    channel: str | None = None
    origin: Origin = "reviewer"

    @property
    def stop(self) -> float:
        """End of the event in seconds."""
        return self.onset + self.duration

    @property
    def read_only(self) -> bool:
        """Whether the event belongs to the recording file (not editable)."""
        return self.origin == "file"

    @property
    def label(self) -> str:
        """Short text for the traces: the type, the note and the channel."""
        head = f"{self.kind}{TYPE_MARK}{self.text}" if self.text else self.kind
        return f"{head} @{self.channel}" if self.channel else head

    def description(self) -> str:
        """The EDF+ annotation text of this event."""
        head = f"{self.kind}{TYPE_MARK}{self.text}" if self.text else self.kind
        return f"{head}{CHANNEL_MARK}{self.channel}" if self.channel else head


def parse_description(
    description: str, types: Iterable[str], fallback: str
) -> tuple[str, str, str | None]:
    """Split an EDF+ annotation text into (type, text, channel).

    Parameters
    ----------
    description : str
        As written by :meth:`Event.description`, or any annotation text.
    types : iterable of str
        The known event types (case-insensitive).
    fallback : str
        Type of a text that names no known type; the whole text is then its note.
    """
    head, mark, channel = description.partition(CHANNEL_MARK)
    known = {kind.lower(): kind for kind in types}
    kind, separator, text = head.partition(TYPE_MARK)
    if separator and kind.lower() in known:
        return known[kind.lower()], text, channel if mark else None
    if head.lower() in known:
        return known[head.lower()], "", channel if mark else None
    return fallback, head, channel if mark else None


def check_event(event: Event, duration_s: float, sfreq: float) -> Event:
    """Return ``event`` if it fits a recording of ``duration_s`` seconds; raise otherwise.

    Raises
    ------
    EventError
        It starts or ends outside the recording (one sample of slack), has a negative or
        non-finite time, no type, or a text holding EDF+ separators.
    """
    slack = 1.0 / sfreq
    if not (np.isfinite(event.onset) and np.isfinite(event.duration)) or event.duration < 0:
        raise EventError(
            f"an event needs a finite onset and a duration of 0 s or more "
            f"(got {event.onset:g} s, {event.duration:g} s)"
        )
    if event.onset < -slack or event.stop > duration_s + slack:
        raise EventError(
            f"the event at {event.onset:g}-{event.stop:g} s is outside the recording "
            f"(0-{duration_s:g} s); place it within the recording"
        )
    if not event.kind.strip():
        raise EventError("an event needs a type (spike, note, ...)")
    for name, value in (("type", event.kind), ("text", event.text), ("channel", event.channel)):
        if value and any(mark in value for mark in _FORBIDDEN):
            raise EventError(
                f"the event's {name} {value!r} holds a character EDF+ reserves "
                "(NUL, 0x14, 0x15 or '@@'); remove it"
            )
    if TYPE_MARK in event.kind:
        raise EventError(f"an event type cannot hold “{TYPE_MARK}” ({event.kind!r})")
    return replace(event, onset=min(max(event.onset, 0.0), duration_s))


Observer = Callable[[], None]


class EventList:
    """The events of one recording: the file's annotations (read-only) and the reviewer's.

    Parameters
    ----------
    duration_s : float
        Length of the recording.
    sfreq : float
        Its sampling rate (an event may reach one sample past either end).
    file_events : sequence of Event
        The recording's own annotations (``origin="file"``).
    reviewer_events : sequence of Event
        The reviewer's events found for it (sidecar or recovery), checked like new ones.
    unsaved : bool
        Whether ``reviewer_events`` differ from what is saved (a recovered autosave).

    Attributes
    ----------
    unsaved : bool
        Whether the reviewer's events changed since they were last saved.
    """

    def __init__(
        self,
        duration_s: float,
        sfreq: float,
        file_events: Sequence[Event] = (),
        reviewer_events: Sequence[Event] = (),
        unsaved: bool = False,
    ) -> None:
        self.duration_s = float(duration_s)
        self.sfreq = float(sfreq)
        self._file = sorted(file_events, key=lambda e: e.onset)
        self._reviewer = sorted(
            (check_event(e, self.duration_s, self.sfreq) for e in reviewer_events),
            key=lambda e: e.onset,
        )
        self.unsaved = unsaved
        self._observers: list[Observer] = []
        self._refresh()

    # ---- observing -------------------------------------------------------------------------

    def observe(self, observer: Observer) -> None:
        """Call ``observer()`` after every change."""
        self._observers.append(observer)

    def close(self) -> None:
        """Forget the observers: a closed list changes nothing on screen."""
        self._observers.clear()

    def _changed(self) -> None:
        self.unsaved = True
        self._refresh()
        for observer in list(self._observers):
            observer()

    def _refresh(self) -> None:
        self.events: tuple[Event, ...] = tuple(
            sorted([*self._file, *self._reviewer], key=lambda e: e.onset)
        )
        self._onsets = np.array([e.onset for e in self.events])

    # ---- what it holds ---------------------------------------------------------------------

    @property
    def reviewer_events(self) -> tuple[Event, ...]:
        """The reviewer's events, by onset (what the sidecar holds)."""
        return tuple(self._reviewer)

    @property
    def file_events(self) -> tuple[Event, ...]:
        """The recording's own annotations, by onset."""
        return tuple(self._file)

    def kinds(self) -> list[str]:
        """The types present, in order of first appearance by time."""
        return list(dict.fromkeys(e.kind for e in self.events))

    def of_kinds(self, kinds: Iterable[str] | None) -> tuple[Event, ...]:
        """The events of some types (all when ``kinds`` is None), by onset."""
        if kinds is None:
            return self.events
        wanted = set(kinds)
        return tuple(e for e in self.events if e.kind in wanted)

    def next_after(self, time_s: float, kinds: Iterable[str] | None = None) -> Event | None:
        """The first event starting after ``time_s`` (of ``kinds``), or None."""
        return next((e for e in self.of_kinds(kinds) if e.onset > time_s + 1e-6), None)

    def previous_before(self, time_s: float, kinds: Iterable[str] | None = None) -> Event | None:
        """The last event starting before ``time_s`` (of ``kinds``), or None."""
        earlier = [e for e in self.of_kinds(kinds) if e.onset < time_s - 1e-6]
        return earlier[-1] if earlier else None

    # ---- changing it -----------------------------------------------------------------------

    def add(self, event: Event) -> Event:
        """Add a reviewer's event and return it as kept (onset clamped into the recording).

        Raises
        ------
        EventError
            It does not fit the recording (see :func:`check_event`); nothing changes.
        """
        event = check_event(replace(event, origin="reviewer"), self.duration_s, self.sfreq)
        self._reviewer.append(event)
        self._reviewer.sort(key=lambda e: e.onset)
        self._changed()
        return event

    def _index(self, event: Event) -> int:
        if event.read_only:
            raise EventError(
                f"“{event.label}” is an annotation of the recording file and cannot be changed; "
                "add an event of your own beside it"
            )
        try:
            return self._reviewer.index(event)
        except ValueError:
            raise EventError(f"“{event.label}” is not an event of this recording") from None

    def replace(self, old: Event, new: Event) -> Event:
        """Replace a reviewer's event by ``new``; return ``new`` as kept.

        Raises
        ------
        EventError
            ``old`` is the file's or not in the list, or ``new`` does not fit; nothing changes.
        """
        index = self._index(old)
        new = check_event(replace(new, origin="reviewer"), self.duration_s, self.sfreq)
        self._reviewer[index] = new
        self._reviewer.sort(key=lambda e: e.onset)
        self._changed()
        return new

    def remove(self, event: Event) -> None:
        """Delete a reviewer's event.

        Raises
        ------
        EventError
            It is the file's, or not in the list.
        """
        del self._reviewer[self._index(event)]
        self._changed()

    def mark_saved(self) -> None:
        """Say that the reviewer's events are saved as they are."""
        self.unsaved = False
