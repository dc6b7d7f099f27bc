"""Where a recording's events are kept: an EDF+ sidecar, an exported copy, an autosave.

- The **sidecar** ``<recording>.events.edf`` sits beside the recording: an EDF+ file with no
  signals and one ``EDF Annotations`` signal (written by edfio), readable by MNE
  (``mne.read_annotations``) and EDF+ viewers. The recording itself is never written to.
- An **exported copy** is the recording's EDF+ with the reviewer's events added to its own
  annotations, for programs that do not read sidecars; its data records are copied as they are.
- The **autosave** keeps unsaved events in the user data folder, one JSON file per recording
  named by a hash of the recording's path (no file name, no header field), so a program killed
  before saving loses nothing: the next opening of the recording brings them back, unsaved.

Neither the sidecar nor the autosave holds a patient field or a date: the sidecar's header
carries the recording's start time of day only, so a viewer can line the two up.

Both are found by the recording's path, and an acquisition system may write another patient's
recording to the same path (``export.edf``). So each is checked against the recording it is
opened with (:func:`recording_identity`: the start time of day, and for the autosave also the
duration, sampling rate and channel count); one made on another recording is set aside, never
shown as this one's events.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import edfio

from elm_desktop.errors import ElmError
from elm_desktop.paths import data_dir
from elm_desktop.signals.events import (
    FILE_ANNOTATION,
    Event,
    EventError,
    check_event,
    parse_description,
)
from elm_desktop.signals.recording import Recording

SIDECAR_SUFFIX = ".events.edf"
UNREADABLE_SUFFIX = ".events.unreadable.edf"
#: A sidecar saved for another recording that was at the same path.
OTHER_RECORDING_SUFFIX = ".events.other-recording.edf"


class EventFileError(ElmError):
    """A sidecar, an autosave or an exported copy of events cannot be read or written."""


def sidecar_path(recording_path: str | os.PathLike[str]) -> Path:
    """Return the sidecar of a recording: ``night.edf`` -> ``night.events.edf`` beside it."""
    path = Path(recording_path)
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def is_sidecar(path: str | os.PathLike[str]) -> bool:
    """Say whether ``path`` names an events sidecar (not a recording)."""
    return (
        Path(path)
        .name.lower()
        .endswith((SIDECAR_SUFFIX, UNREADABLE_SUFFIX, OTHER_RECORDING_SUFFIX))
    )


def recording_identity(recording: Recording) -> dict[str, object]:
    """What tells two recordings at one path apart, with no patient field and no date: the
    start time of day (None when the file has none), duration, sampling rate, channel count."""
    return {
        "start_time_of_day": _start_time_of_day(recording),
        "duration_s": round(float(recording.duration), 3),
        "sfreq": float(recording.sfreq),
        "channels": len(recording.channels),
    }


def _start_time_of_day(recording: Recording) -> str | None:
    start = recording.patient.meas_date
    return start.strftime("%H:%M:%S") if start is not None else None


def recording_events(recording: Recording, types: Iterable[str]) -> list[Event]:
    """Return a recording's own EDF+ annotations as read-only events.

    A text written by :meth:`Event.description` gets its type, note and channel back; any
    other text is an event of type :data:`~elm_desktop.signals.events.FILE_ANNOTATION`.
    """
    types = list(types)
    events = []
    for annotation in recording.annotations:
        kind, text, channel = parse_description(annotation.description, types, FILE_ANNOTATION)
        events.append(
            Event(annotation.onset, annotation.duration, kind, text, channel, origin="file")
        )
    return events


def _annotations(events: Iterable[Event]) -> list[edfio.EdfAnnotation]:
    return [edfio.EdfAnnotation(float(e.onset), float(e.duration), e.description()) for e in events]


def _write_atomically(edf: edfio.Edf, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    try:
        edf.write(partial)
        os.replace(partial, target)  # a crash mid-write leaves the earlier file whole
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise EventFileError(f"cannot write {target}: {error.strerror or error}") from error


def save_sidecar(recording: Recording, events: Sequence[Event]) -> Path:
    """Write the reviewer's ``events`` to the recording's sidecar (replacing it whole).

    Returns
    -------
    Path
        The sidecar.

    Raises
    ------
    EventFileError
        The folder cannot be written to.
    """
    start = recording.patient.meas_date
    edf = edfio.Edf(
        signals=[],
        annotations=_annotations(e for e in events if not e.read_only),
        starttime=start.time().replace(microsecond=0) if start is not None else None,
    )
    target = sidecar_path(recording.path)
    _write_atomically(edf, target)
    return target


def _set_aside(path: Path, suffix: str = UNREADABLE_SUFFIX) -> Path:
    """Rename a sidecar out of the way, to a name no earlier one set aside holds."""
    return _rename_free(path, path.with_name(path.name[: -len(SIDECAR_SUFFIX)] + suffix))


def _rename_free(path: Path, target: Path) -> Path:
    """Rename ``path`` to ``target``, or to ``target`` numbered (``.2``, ``.3``, ...) before
    its suffix when that exists, so nothing set aside before is lost.

    Raises
    ------
    EventFileError
        The folder cannot be written to.
    """
    stem, suffix = target.name.split(".", 1)
    free, number = target, 1
    while free.exists():
        number += 1
        free = target.with_name(f"{stem}.{number}.{suffix}")
    try:
        os.replace(path, free)
    except OSError as error:
        raise EventFileError(
            f"{path.name} cannot be set aside ({error.strerror or error}); move it away"
        ) from error
    return free


def load_sidecar(recording: Recording, types: Iterable[str]) -> list[Event]:
    """Return the reviewer's events saved beside a recording (none when there is no sidecar).

    Raises
    ------
    EventFileError
        The sidecar is not EDF+ or holds an event outside the recording. It is then renamed
        ``<recording>.events.unreadable.edf`` (nothing is lost, and the next save does not
        overwrite it) and the message says so. Or it was saved for a recording that started
        at another time of day (another recording written to the same path): it is renamed
        ``<recording>.events.other-recording.edf``.
    """
    path = sidecar_path(recording.path)
    if not path.is_file():
        return []
    types = list(types)
    try:
        sidecar = edfio.read_edf(path)
    except (OSError, ValueError, IndexError) as error:
        raise _set_aside_unreadable(path, recording, error) from error
    started, saved_start = _start_time_of_day(recording), sidecar.starttime.strftime("%H:%M:%S")
    if started is not None and saved_start != started:
        aside = _set_aside(path, OTHER_RECORDING_SUFFIX)
        raise EventFileError(
            f"the events beside {recording.path.name} were saved for a recording that started "
            f"at {saved_start}, and this one started at {started}: another recording at this "
            f"path; the file was kept as {aside.name}"
        )
    try:
        annotations = sidecar.annotations
        events = []
        for annotation in annotations:
            kind, text, channel = parse_description(annotation.text, types, "note")
            event = Event(annotation.onset, annotation.duration or 0.0, kind, text, channel)
            events.append(check_event(event, recording.duration, recording.sfreq))
    except (OSError, ValueError, IndexError, EventError) as error:
        raise _set_aside_unreadable(path, recording, error) from error
    return events


def _set_aside_unreadable(path: Path, recording: Recording, error: Exception) -> EventFileError:
    aside = _set_aside(path)
    return EventFileError(
        f"the events beside {recording.path.name} cannot be read ({_first_line(error)}); "
        f"the file was kept as {aside.name}"
    )


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def export_with_events(
    recording: Recording,
    events: Sequence[Event],
    target: str | os.PathLike[str],
    keep_patient_fields: bool = False,
    scrub_text: Callable[[str], str] | None = None,
) -> Path:
    """Write a copy of the recording's EDF+ with the reviewer's events added to its annotations.

    Parameters
    ----------
    recording : Recording
        An EDF or EDF+C recording (its data records are copied unchanged).
    events : sequence of Event
        The reviewer's events are added; the file's own annotations are in the copy already.
    target : path-like
        The copy; never the recording itself.
    keep_patient_fields : bool
        Keep the patient and recording header fields and the start date; by default they are
        anonymised (EDF+ ``X`` fields, start 1 January 1985).
    scrub_text : callable, optional
        Applied to every annotation's text when the patient fields are not kept (technologists
        type names into annotations; the window passes the archive's report scrubber).

    Raises
    ------
    EventFileError
        The target is the recording, the recording is BDF or discontinuous, or the copy cannot
        be written.
    """
    target = Path(target)
    if target.resolve() == Path(recording.path).resolve():
        raise EventFileError("the copy would replace the recording itself; choose another name")
    if not recording.file_format.startswith("EDF") or recording.discontinuous:
        raise EventFileError(
            f"only EDF and continuous EDF+ recordings can be copied with events "
            f"({recording.path.name} is {recording.file_format}); save the events beside it"
        )
    try:
        edf = edfio.read_edf(recording.path)
    except (OSError, ValueError) as error:
        raise EventFileError(
            f"{recording.path.name} cannot be copied ({_first_line(error)})"
        ) from error
    edf.add_annotations(_annotations(e for e in events if not e.read_only))
    if not keep_patient_fields:
        edf.anonymize()
        if scrub_text is not None:
            edf.set_annotations(
                edfio.EdfAnnotation(a.onset, a.duration, scrub_text(a.text))
                for a in edf.annotations
            )
    _write_atomically(edf, target)
    return target


class EventAutosave:
    """Unsaved events kept in the user data folder until they are saved or discarded.

    Parameters
    ----------
    folder : Path, optional
        Where the autosaves live; by default ``events-autosave/`` in the user data folder.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else data_dir() / "events-autosave"

    def path(self, recording_path: str | os.PathLike[str]) -> Path:
        """Return the autosave of a recording (named by a hash of its resolved path)."""
        key = hashlib.sha256(str(Path(recording_path).resolve()).encode("utf-8")).hexdigest()
        return self.folder / f"{key}.json"

    def save(self, recording: Recording, events: Sequence[Event]) -> None:
        """Keep the reviewer's ``events`` of a recording (replacing the last autosave), with
        its :func:`recording_identity`."""
        path = self.path(recording.path)
        rows = [
            {"onset": e.onset, "duration": e.duration, "kind": e.kind, "text": e.text}
            | ({"channel": e.channel} if e.channel else {})
            for e in events
            if not e.read_only
        ]
        partial = path.with_suffix(".partial")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial.write_text(
                json.dumps(
                    {
                        "saved_at": dt.datetime.now().isoformat(),
                        "recording": recording_identity(recording),
                        "events": rows,
                    }
                ),
                encoding="utf-8",
            )
            os.replace(partial, path)
        except OSError as error:
            raise EventFileError(f"cannot autosave the events to {path}: {error}") from error

    def load(self, recording: Recording) -> list[Event] | None:
        """Return the unsaved events kept for a recording, or None when there are none.

        Raises
        ------
        EventFileError
            The autosave cannot be read; it is renamed ``*.unreadable.json``. Or it was kept
            for another recording at the same path (its :func:`recording_identity` differs);
            it is renamed ``*.other-recording.json``.
        """
        path = self.path(recording.path)
        if not path.is_file():
            return None
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
            events = [
                Event(
                    float(row["onset"]),
                    float(row["duration"]),
                    str(row["kind"]),
                    str(row.get("text", "")),
                    row.get("channel"),
                )
                for row in kept["events"]
            ]
        except (OSError, ValueError, KeyError, TypeError) as error:
            aside = path.with_suffix(".unreadable.json")
            os.replace(path, aside)
            raise EventFileError(
                f"the unsaved events kept for this recording cannot be read ({error}); "
                f"they were moved to {aside}"
            ) from error
        identity = recording_identity(recording)
        # Autosaves written before the identity was kept are taken as they were.
        if kept.get("recording", identity) != identity:
            aside = _rename_free(path, path.with_suffix(".other-recording.json"))
            raise EventFileError(
                f"the unsaved events kept for {recording.path.name} were made on another "
                f"recording at this path (not the same start, length or channels); they were "
                f"moved to {aside}"
            )
        return events

    def discard(self, recording_path: str | os.PathLike[str]) -> None:
        """Forget the unsaved events of a recording (they were saved or discarded)."""
        self.path(recording_path).unlink(missing_ok=True)
