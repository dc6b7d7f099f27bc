"""Adding recordings to the archive: hash, read, preprocess, encode, segment the report, store.

Each recording becomes one case, written in one transaction after all its embeddings are
computed, so stopping midway (cancel, kill, power cut) loses at most the case in progress and
the next run picks up where this one stopped: files already stored are recognised by their hash.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from elm_desktop.archive.cases import CaseMetadata, NewCase
from elm_desktop.archive.deidentify import (
    MAX_AGE,
    case_metadata,
    identifying_tokens,
    patient_identity,
    safe_source,
)
from elm_desktop.archive.report_scrub import scrub_report
from elm_desktop.archive.store import Archive, content_hash
from elm_desktop.errors import ArchiveError, BundleError, ElmError
from elm_desktop.progress import CancelToken, ProgressCallback
from elm_desktop.runtime import Engine, recording_embedding
from elm_desktop.runtime.report_segments import segment_report
from elm_desktop.signals import Recording
from elm_desktop.signals.ecg import EcgRecording, read_ecg
from elm_desktop.signals.event_files import is_sidecar
from elm_desktop.signals.modality import detect_modality, get_modality

RECORDING_SUFFIXES = (".edf", ".bdf", ".hea")


@dataclass
class AddResult:
    """What :func:`add_recordings` did with each file."""

    added: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # already archived (same content hash)
    failed: list[tuple[Path, str]] = field(default_factory=list)  # with the one-line reason


def model_id(engine: Engine) -> str:
    """The name under which an archive records the model of its embeddings.

    Name and version for people; the weights fingerprint and the first 12 hex digits of the
    manifest digest so that no two bundles that could score differently share a name.
    """
    bundle = engine.bundle
    return f"{bundle.name} {bundle.version} ({bundle.fingerprint}, manifest {bundle.digest[:12]})"


def find_recordings(folder: Path) -> list[Path]:
    """EDF, BDF and WFDB (``.hea``) files under a folder (recursively), in a stable order.

    Events sidecars (``NAME.events.edf``, annotations only) are not recordings and are left out.
    A WFDB record is a 12-lead ECG (the modality registry decides when it is added).
    """
    if not folder.is_dir():
        raise ArchiveError(f"{folder} is not a folder of recordings")
    return sorted(
        p for p in folder.rglob("*") if p.suffix.lower() in RECORDING_SUFFIXES and not is_sidecar(p)
    )


def read_manifest(path: Path) -> dict[str, dict]:
    """Read a corpus ``manifest.jsonl`` into its entries keyed by recording file name.

    The file is an entry's ``edf`` (EEG corpora) or ``wfdb`` (ECG corpora: the ``.hea``
    header). Each entry may give ``report`` (the report text), ``age`` and ``sex``.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ArchiveError(f"cannot read the manifest {path}: {error}") from error
    entries = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            entries[Path(entry["edf"] if "edf" in entry else entry["wfdb"]).name] = entry
        except (ValueError, KeyError, TypeError) as error:
            raise ArchiveError(
                f"{path} line {number} is not a manifest entry ({error!r}): give a manifest.jsonl "
                "with one JSON object per recording holding at least 'edf' (or 'wfdb') and "
                "'report'"
            ) from error
    return entries


def report_beside(path: Path) -> str | None:
    """The report in a ``.txt`` file of the same name beside the recording, if there is one."""
    text_file = path.with_suffix(".txt")
    return text_file.read_text(encoding="utf-8", errors="replace") if text_file.is_file() else None


def build_case(
    path: Path,
    engine: Engine,
    report: str | None = None,
    known: Mapping[str, object] | None = None,
    keep_identity: bool = False,
    file_hash: str | None = None,
    keep_source_path: bool = False,
) -> NewCase:
    """Read, preprocess and encode a recording, and return everything the archive stores.

    Parameters
    ----------
    path : Path
        The EDF/BDF file, or a 12-lead ECG file (WFDB, ECG EDF, HL7 aECG, GE MUSE XML): the
        modality registry reads it and cuts its model input.
    engine : Engine
        The model that encodes crops (and report segments, when it has a text tower); its
        modality must be the file's.
    report, known, keep_identity, file_hash, keep_source_path
        As for :func:`case_for_recording`.
    """
    modality = get_modality(detect_modality(path))
    if modality.name != engine.bundle.modality:
        raise BundleError(
            f"{Path(path).name} is {modality.summary}, but model {engine.bundle.name} reads "
            f"{engine.bundle.modality.upper()}: add it with an {modality.name.upper()} model "
            f"to an archive of its own (an archive holds one model's embeddings)"
        )
    if modality.name == "ecg":  # patient fields read only to keep them out of what is stored
        rec = read_ecg(path, include_phi=True)
    else:
        rec = modality.open(path)
    normalisation = str(engine.bundle.manifest.get("normalisation", "mv"))
    crops, starts_s = modality.model_windows(rec, engine.bundle.window_s, normalisation)
    encoding = engine.encode(crops)
    return case_for_recording(
        rec,
        engine,
        encoding.embeddings,
        encoding.attention_weights,
        starts_s,
        report,
        known,
        keep_identity,
        file_hash,
        keep_source_path,
    )


def case_for_recording(
    rec: Recording | EcgRecording,
    engine: Engine,
    crop_embeddings: np.ndarray,
    crop_weights: np.ndarray,
    crop_starts_s: np.ndarray,
    report: str | None = None,
    known: Mapping[str, object] | None = None,
    keep_identity: bool = False,
    file_hash: str | None = None,
    keep_source_path: bool = False,
) -> NewCase:
    """Build the case of a recording whose crops are already encoded (e.g. by an analysis).

    Parameters
    ----------
    rec : Recording or EcgRecording
        The opened recording (for de-identified metadata and the file's path and hash). For a
        12-lead ECG, age and sex come from ``known`` only, the patient's name and birth date
        are never stored (``keep_identity`` stores nothing more yet), and the path only when
        the ECG was read with its patient fields and holds none of them.
    engine : Engine
        The model that encoded the crops; it embeds the report segments when it has a text
        tower.
    crop_embeddings, crop_weights, crop_starts_s : ndarray
        L2-normalised crop embeddings (n, d), attention weights (n,), crop starts in s (n,).
    report : str | None
        The report text, cut with :func:`~elm_desktop.runtime.report_segments.segment_report`.
        Stored without the identifiers it holds (:func:`~.report_scrub.scrub_report`, with the
        header's identifying words) unless ``keep_identity``: a similar case shows its report
        to another patient's reviewer.
    known : mapping, optional
        Manifest facts (age, sex) for files whose header lacks them.
    keep_identity : bool
        Store the patient's name, birth date and true recording date too.
    file_hash : str, optional
        The file's SHA-256 when already computed.
    keep_source_path : bool
        Store the file's path, so a reviewer can reopen it from the archive (never a path that
        holds the patient's name, code or birth date). Off unless asked: paths often name
        patients, dates and wards.
    """
    bundle = engine.bundle
    if report is not None and not keep_identity:
        report = scrub_report(report, _identifying_words(rec))
    segments, segment_embeddings = _report_segments(report, engine)
    path = Path(rec.path)
    if isinstance(rec, EcgRecording):
        metadata, source = _ecg_metadata(rec, known, keep_source_path)
        identity = None
    else:
        metadata = case_metadata(rec, known)
        source = safe_source(path, rec.patient) if keep_source_path else None
        identity = patient_identity(rec) if keep_identity else None
    return NewCase(
        content_hash=file_hash or content_hash(path),
        model=model_id(engine),
        window_s=bundle.window_s,
        embedding=recording_embedding(crop_embeddings, crop_weights),
        crop_embeddings=crop_embeddings,
        crop_starts_s=crop_starts_s,
        crop_weights=crop_weights,
        metadata=metadata,
        source=source,
        report=report,
        segments=segments,
        segment_embeddings=segment_embeddings,
        identity=identity,
    )


def _identifying_words(rec: Recording | EcgRecording) -> list[str]:
    """The header words that identify the patient (an ECG's only when read with them)."""
    if isinstance(rec, EcgRecording):
        patient = rec.patient
        if patient is None:
            return []
        words = re.split(r"[\s_,^]+", f"{patient.patient_id} {patient.name} {patient.birth_date}")
        return [w for w in words if len(w) >= 3]
    return identifying_tokens(rec.patient)


def _ecg_metadata(
    ecg: EcgRecording, known: Mapping[str, object] | None, keep_source_path: bool
) -> tuple[CaseMetadata, str | None]:
    """An ECG's de-identified metadata (age and sex from ``known`` only, the hour of day, no
    date) and, when asked, its path (see :func:`case_for_recording`)."""
    known = known or {}
    age = known.get("age")
    metadata = CaseMetadata(
        age=min(int(age), MAX_AGE) if isinstance(age, int | float) else None,
        sex=known.get("sex") if known.get("sex") in ("F", "M") else None,
        duration_s=float(ecg.duration),
        sfreq=float(ecg.sfreq),
        recording_hour=ecg.start.hour if ecg.start is not None else None,
    )
    path = Path(ecg.path).resolve()
    if not keep_source_path or ecg.patient is None:
        return metadata, None
    named = any(w.lower() in str(path).lower() for w in _identifying_words(ecg))
    return metadata, None if named else str(path)


#: A ``HEADING:`` at the start of a line, as the sign-off writes a report's sections.
_HEADING_PREFIX = re.compile(r"^[A-Z][A-Z0-9 ()/\-]+:[ \t]*", re.MULTILINE)


def _report_segments(report: str | None, engine: Engine) -> tuple[list, np.ndarray | None]:
    """A report cut into segments (paragraphs for 60 s crops, else sentences), embedded when
    the model has a text tower.

    An ECG model reads a report's sentences without headings (as its corpus's reports are
    written): ELM's EEG section headers do not hold an ECG report's RATE, RHYTHM or
    MORPHOLOGY, so a signed ECG report's ``HEADING:`` prefixes are dropped, not its sections.
    """
    if not report:
        return [], None
    if engine.bundle.modality == "ecg":
        segments = segment_report(_HEADING_PREFIX.sub("", report), mode="sentence")
    else:
        segments = segment_report(
            report, mode="paragraph" if engine.bundle.window_s >= 60 else "sentence"
        )
    if segments and engine.bundle.has_text:
        return segments, engine.embed_text([s.text for s in segments])
    return segments, None


def add_recordings(
    archive: Archive,
    paths: Iterable[Path],
    engine: Engine,
    manifest: Mapping[str, Mapping] | None = None,
    keep_identity: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    keep_source_paths: bool = False,
) -> AddResult:
    """Add recordings to an archive, one transaction per recording.

    Parameters
    ----------
    archive : Archive
    paths : iterable of Path
        EDF/BDF files.
    engine : Engine
        The model to encode them with (the archive's model, once it has one).
    manifest : mapping, optional
        Entries keyed by EDF file name (:func:`read_manifest`) giving reports, age and sex;
        without one, a ``.txt`` file beside a recording is taken as its report.
    keep_identity : bool
        Also store patient name, birth date and true recording date (off unless asked).
    keep_source_paths : bool
        Also store each file's path (off unless asked; see :func:`case_for_recording`).
    progress : ProgressCallback, optional
        Called with (files done, files total, file name).
    cancel : CancelToken, optional
        Checked between files.

    Returns
    -------
    AddResult
        Files added, skipped as already archived, and failed with their reason. A file that
        cannot be read fails alone; the others are still added.
    """
    if archive.model is not None and archive.model != model_id(engine):
        raise ArchiveError(
            f"{archive.location} holds embeddings of model {archive.model!r}, not "
            f"{model_id(engine)!r}: add with that model (--model) or use another archive"
            + (
                " (its name has no weights fingerprint: it was made before elm-desktop recorded"
                " one, so make it anew)"
                if not archive.model.endswith(")")
                else ""
            )
        )
    paths = list(paths)
    result = AddResult()
    for done, path in enumerate(paths):
        if cancel is not None:
            cancel.check()
        if progress is not None:
            progress(done, len(paths), path.name)
        try:
            file_hash = content_hash(path)
            if archive.contains(file_hash):
                result.skipped.append(path)
                continue
            entry = (manifest or {}).get(path.name, {})
            report = entry.get("report") if manifest is not None else report_beside(path)
            case = build_case(
                path, engine, report, entry, keep_identity, file_hash, keep_source_paths
            )
        except (ElmError, OSError) as error:
            if isinstance(error, ArchiveError):
                raise
            result.failed.append((path, str(error)))
            continue
        added = archive.add_case(case)
        (result.added if added is not None else result.skipped).append(path)
    if progress is not None:
        progress(len(paths), len(paths), "done")
    return result
