"""``corpus import``: a department's archive folder -> a training corpus ``train`` reads.

What the corpus holds (nothing else, and nothing that names a patient):

- ``edf/<shard>/<recording id>.edf``: de-identified copies of the usable recordings
  (:mod:`~elm_desktop.corpus.edf_copy`);
- ``sessions/<shard>/<session id>.json``: each finished session's manifest entries and skip
  reasons, written atomically after its recordings; their presence is the done-list a re-run
  resumes from;
- ``manifest.jsonl`` and ``import.log``: assembled from the session files in shard order once
  every session is done, so an import stopped anywhere (kill -9 included) and run again gives
  the same bytes as one clean run;
- ``import.json``: the options, so that a resume with other options is refused.

The key of the opaque ids and the list of which id came from which source file live in a
private folder outside the corpus (default ``<CORPUS>-private``), to be kept with the archive.
Memory stays bounded: the folder is walked one listing at a time and at most a few sessions per
worker are in flight.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elm_desktop.archive.deidentify import case_metadata
from elm_desktop.archive.report_scrub import scrub_report
from elm_desktop.corpus.edf_copy import write_deidentified_copy
from elm_desktop.corpus.identity import header_tokens, load_key, opaque_id
from elm_desktop.corpus.labels import report_labels
from elm_desktop.corpus.layout import Session, iter_sessions
from elm_desktop.errors import ConfigError, RecordingTooShortError
from elm_desktop.signals import (
    ELM_WINDOWS_S,
    EdfHeader,
    elm_input_head,
    open_recording,
    read_header,
)
from elm_desktop.synth import MANIFEST_NAME

#: Bumped when the same archive would import to other bytes.
IMPORT_VERSION = 1
#: Patients whose keyed hash falls below these fractions go to test, then val (as the synthetic
#: corpora hold out about a tenth of their patients each).
SPLIT_FRACTIONS = (("test", 0.1), ("val", 0.2))
#: Sessions queued per worker beyond the one it is working on.
QUEUED_PER_WORKER = 2
#: Shards: the first two hex digits of an id (256 folders; ~100 sessions each at TUH's size).
SHARD_DIGITS = 2
LOG_NAME = "import.log"
OPTIONS_NAME = "import.json"


@dataclass
class ImportSummary:
    """What an import did, over all its runs."""

    sessions: int = 0
    recordings: int = 0
    skipped: int = 0
    imported: int = 0  # sessions imported by this run
    resumed: int = 0  # sessions found done by an earlier run
    manifest: Path | None = None
    log: Path | None = None
    private: Path | None = None


def default_private_dir(out: Path) -> Path:
    """Where the key and the source list go unless told: beside the corpus, never inside."""
    out = Path(out).resolve()
    return out.with_name(out.name + "-private")


def patient_split(patient_id: str) -> str:
    """The split of a patient, from its opaque id (itself a keyed hash): test, val or train."""
    fraction = int(patient_id, 16) / 16 ** len(patient_id)
    for split, below in SPLIT_FRACTIONS:
        if fraction < below:
            return split
    return "train"


def _shard(identifier: str) -> str:
    return identifier[:SHARD_DIGITS]


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    with temporary.open("w", encoding="utf-8") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)


def _read_report(path: Path | None) -> str:
    if path is None:
        return ""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # older report systems write their local code page


def _reason(error: BaseException, paths: list[Path], known: list[str]) -> str:
    """One line saying why a file was skipped, without its path or any identifying word."""
    text = " ".join(str(error).split()) or type(error).__name__
    for path in paths:
        text = text.replace(str(path), "<file>").replace(path.name, "<file>")
    return scrub_report(text, known)


@dataclass(frozen=True)
class _Task:
    session: Session
    session_id: str
    out: Path
    key: bytes
    min_seconds: float


def _import_session(task: _Task) -> dict[str, Any]:
    """Import one session; return what its session file holds (also written here).

    Every failure of one file (an unreadable header, MNE's own errors, a missing montage) is
    a skip reason, never an exception: the import goes on with the next file.
    """
    session, out = task.session, task.out
    patient_code = session.patient
    headers: list[tuple[str, Path, EdfHeader]] = []
    skipped: list[list[str]] = []
    known = [patient_code] if patient_code else []
    seen_tokens: set[str] = set()
    for token, path in session.recordings:
        recording_id = f"{task.session_id}_{token}"
        if session.problem:
            skipped.append([recording_id, session.problem])
            continue
        if token in seen_tokens:
            skipped.append([recording_id, "a second file with the same token in this session"])
            continue
        seen_tokens.add(token)
        try:
            header = read_header(path)
        except Exception as error:
            skipped.append([recording_id, _reason(error, [path], known)])
            continue
        known += header_tokens(header.patient)
        headers.append((recording_id, path, header))
    report = _read_report(session.report).strip()
    entries = []
    if not report:
        why = "no report for this session" if session.report is None else "the report is empty"
        skipped += [[recording_id, why] for recording_id, _, _ in headers]
        headers = []
    report = scrub_report(report, known)
    findings, abnormal = report_labels(report) if headers else ([], False)
    for recording_id, path, header in headers:
        try:
            entry = _import_recording(task, recording_id, path, header, known)
        except Exception as error:
            skipped.append([recording_id, _reason(error, [path], known)])
            continue
        entry.update(
            report=report,
            findings=[
                {"name": name, "location": "", "electrodes": [], "intervals": []}
                for name in findings
            ],
            abnormal=abnormal,
        )
        entries.append(entry)
    result = {"session": task.session_id, "entries": entries, "skipped": skipped}
    path = out / "sessions" / _shard(task.session_id) / f"{task.session_id}.json"
    _write_atomically(path, json.dumps(result, sort_keys=True))
    return result


def _import_recording(
    task: _Task, recording_id: str, path: Path, header: EdfHeader, known: list[str]
) -> dict[str, Any]:
    rec = open_recording(path)
    if rec.duration < task.min_seconds:
        raise RecordingTooShortError(
            f"lasts {rec.duration:.1f} s, shorter than the import minimum of {task.min_seconds:g} s"
        )
    elm_input_head(rec, float(min(ELM_WINDOWS_S)))  # montage, rate and readable data
    metadata = case_metadata(rec)
    patient_key = task.session.patient or header.patient.code or header.patient.patient
    if not patient_key or patient_key == "X":
        patient_key = task.session.key  # nothing names the patient: the session stands alone
    patient_id = opaque_id(task.key, "patient", patient_key)
    relative = f"edf/{_shard(recording_id)}/{recording_id}.edf"
    target = task.out / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    write_deidentified_copy(header, target, metadata.sex or "")
    return {
        "id": recording_id,
        "patient_id": patient_id,
        "session": task.session_id,
        "split": patient_split(patient_id),
        "edf": relative,
        "sfreq": float(rec.sfreq),
        "duration_s": float(rec.duration),
        "age": metadata.age,
        "sex": metadata.sex,
        "origin": "import",
        "labels_from": "report",
    }


def _check_options(out: Path, options: dict[str, Any]) -> None:
    path = out / OPTIONS_NAME
    if path.is_file():
        earlier = json.loads(path.read_text(encoding="utf-8"))
        if earlier != options:
            raise ConfigError(
                f"{out} was imported with other options ({earlier}); import into a new folder "
                "or give the same options to resume"
            )
    else:
        _write_atomically(path, json.dumps(options, sort_keys=True, indent=1) + "\n")


def import_corpus(
    source: Path,
    out: Path,
    layout: str = "auto",
    workers: int = 1,
    min_seconds: float = 10.0,
    private: Path | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> ImportSummary:
    """Import an archive folder into a training corpus, resuming where an earlier run stopped.

    Parameters
    ----------
    source : Path
        The archive's top folder (TUH layout or plain EDF + ``.txt`` files).
    out : Path
        The corpus folder (created).
    layout : str
        ``auto``, ``tuh`` or ``plain`` (:mod:`~elm_desktop.corpus.layout`).
    workers : int
        Processes importing sessions in parallel.
    min_seconds : float
        Recordings shorter than this are skipped.
    private : Path, optional
        Folder for the id key and the source list; default :func:`default_private_dir`.
    progress : callable, optional
        Called with (sessions finished, last session id).

    Returns
    -------
    ImportSummary

    Raises
    ------
    ConfigError
        Bad options, a source that is not a folder, a private folder inside the corpus, or a
        resume with other options than the corpus was started with.
    """
    source, out = Path(source), Path(out)
    if workers < 1:
        raise ConfigError("--workers must be at least 1")
    private = Path(private) if private is not None else default_private_dir(out)
    if private.resolve().is_relative_to(out.resolve()):
        raise ConfigError(f"the private folder {private} must lie outside the corpus {out}")
    sessions = iter_sessions(source, layout)  # checks layout and source first
    out.mkdir(parents=True, exist_ok=True)
    _check_options(
        out, {"version": IMPORT_VERSION, "layout": layout, "min_seconds": float(min_seconds)}
    )
    key = load_key(private / "key")
    summary = ImportSummary(private=private)
    with (private / "sources.tsv").open("a", encoding="utf-8") as sources:

        def finished(session: Session, result: dict[str, Any]) -> None:
            lines = [f"{result['session']}\t{session.report or '-'}\treport\n"]
            kept = {entry["id"] for entry in result["entries"]}
            for token, path in session.recordings:
                recording_id = f"{result['session']}_{token}"
                status = "kept" if recording_id in kept else "skipped"
                lines.append(f"{recording_id}\t{path}\t{status}\n")
            sources.write("".join(lines))
            sources.flush()
            summary.imported += 1
            if progress is not None:
                progress(summary.imported, result["session"])

        _run(sessions, out, key, min_seconds, workers, finished, summary)
    _assemble(out, summary)
    return summary


def _run(
    sessions: Any,
    out: Path,
    key: bytes,
    min_seconds: float,
    workers: int,
    finished: Callable[[Session, dict[str, Any]], None],
    summary: ImportSummary,
) -> None:
    """Import every session not done yet, ``workers`` processes at a time."""

    def tasks():
        for session in sessions:
            session_id = opaque_id(key, "session", session.key)
            if (out / "sessions" / _shard(session_id) / f"{session_id}.json").is_file():
                summary.resumed += 1
                continue
            yield _Task(session, session_id, out, key, float(min_seconds))

    if workers == 1:
        for task in tasks():
            finished(task.session, _import_session(task))
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        in_flight: dict[Future, Session] = {}
        for task in tasks():
            in_flight[pool.submit(_import_session, task)] = task.session
            while len(in_flight) >= workers * (1 + QUEUED_PER_WORKER):
                _collect(in_flight, finished, FIRST_COMPLETED)
        while in_flight:
            _collect(in_flight, finished, FIRST_COMPLETED)


def _collect(in_flight: dict[Future, Session], finished: Callable, when: str) -> None:
    done, _ = wait(in_flight, return_when=when)
    for future in done:
        finished(in_flight.pop(future), future.result())


def _assemble(out: Path, summary: ImportSummary) -> None:
    """Write ``manifest.jsonl`` and ``import.log`` from the session files, in shard order,
    streaming (one shard's listing and one session file in memory at a time)."""
    sessions_dir = out / "sessions"
    manifest_part = out / (MANIFEST_NAME + ".part")
    log_part = out / (LOG_NAME + ".part")
    summary.sessions = summary.recordings = summary.skipped = 0
    with (
        manifest_part.open("w", encoding="utf-8") as manifest,
        log_part.open("w", encoding="utf-8") as log,
    ):
        shards = sorted(os.listdir(sessions_dir)) if sessions_dir.is_dir() else []
        for shard in shards:
            for name in sorted(os.listdir(sessions_dir / shard)):
                if not name.endswith(".json"):
                    continue  # a .part left by a killed run
                result = json.loads((sessions_dir / shard / name).read_text(encoding="utf-8"))
                summary.sessions += 1
                summary.recordings += len(result["entries"])
                summary.skipped += len(result["skipped"])
                manifest.writelines(json.dumps(entry) + "\n" for entry in result["entries"])
                log.writelines(f"{item} skipped: {why}\n" for item, why in result["skipped"])
        log.write(
            f"# {summary.sessions} sessions, {summary.recordings} recordings imported, "
            f"{summary.skipped} files skipped\n"
        )
        for stream in (manifest, log):
            stream.flush()
            os.fsync(stream.fileno())
    os.replace(manifest_part, out / MANIFEST_NAME)
    os.replace(log_part, out / LOG_NAME)
    summary.manifest, summary.log = out / MANIFEST_NAME, out / LOG_NAME
