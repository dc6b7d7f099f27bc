"""A synthetic archive in the TUH EEG corpus layout, with identity in headers and reports.

It exercises ``elm-desktop corpus import`` the way a department's archive would: sessions
``edf/<nnn>/<patient>/<sNNN_yyyy_mm_dd>/01_tcp_ar/<patient>_<sNNN>_<tNNN>.edf`` (one or two
recordings each, rendered by the filtered-noise family from the same spec with other noise),
the session's report ``<patient>_<sNNN>.txt`` in the session folder, EDF headers holding a
made-up name, birth date, record number and technician, and reports that repeat the name, the
record number and dates (and, for some patients, an age over 89). With ``bad_files`` a few
sessions carry the defects an archive has: a cut-short file, a missing report, a folder named
``.edf``, a recording too short, one with a missing electrode, a file that is not EDF.

``ground_truth.jsonl`` beside ``edf/`` gives, per session, the findings the report was
written from and every identifying string that was written (so a test can check that an import
keeps none of them and that the source holds them all).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from elm_desktop.progress import ProgressCallback
from elm_desktop.synth.corpus import plan_corpus, write_in_parallel, write_recording
from elm_desktop.synth.spec import RecordingSpec

GROUND_TRUTH_NAME = "ground_truth.jsonl"
MONTAGE_FOLDER = "01_tcp_ar"

# Made-up names, long and unusual enough that no EEG report word contains them.
FIRST_NAMES = (
    "Thaddeus", "Rosalind", "Ignatius", "Maribel", "Cornelius", "Philippa", "Bartholomew",
    "Evangeline", "Leopold", "Wilhelmina", "Fitzgerald", "Georgiana", "Lysander", "Octavia",
    "Percival", "Seraphina", "Augustin", "Clementine", "Montgomery", "Henrietta",
)  # fmt: skip
LAST_NAMES = (
    "Okonkwo", "Vandermeer", "Castellanos", "Brzezinski", "Thorvaldsen", "Abernathy",
    "Quisenberry", "Yamaguchi", "Fairweather", "Delacroix", "Kowalczyk", "Montgomerie",
    "Oyelaran", "Szczepanski", "Haverford", "Lindqvist", "Papadimitriou", "Ravensworth",
    "Featherstone", "Wojciechowski",
)  # fmt: skip
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
#: Byte offsets of the EDF main header's patient and recording fields (80 bytes each).
_PATIENT_FIELD, _RECORDING_FIELD = (8, 80), (88, 80)
#: Defects given to the sessions of these positions when ``bad_files`` is set.
BAD_SESSIONS = {
    1: "truncated",
    2: "no report",
    3: "folder named .edf",
    4: "too short",
    5: "missing electrode",
    6: "not an EDF file",
}


def _patient_code(index: int) -> str:
    letters = []
    for _ in range(8):
        index, digit = divmod(index, 26)
        letters.append(chr(ord("a") + digit))
    return "".join(reversed(letters))


def _edf_date(day: dt.date) -> str:
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"


def _identity(rng: np.random.Generator, spec: RecordingSpec) -> dict:
    first, last = (str(rng.choice(names)) for names in (FIRST_NAMES, LAST_NAMES))
    start = spec.start.date()
    birth = start - dt.timedelta(days=int(spec.patient.age * 365.25))
    return {
        "first": first,
        "last": last,
        "mrn": f"{int(rng.integers(10_000_000, 99_999_999))}",
        "birth": birth.isoformat(),
        "technician": str(rng.choice(LAST_NAMES)),
        "physician": str(rng.choice(LAST_NAMES)),
        "old_age": int(rng.integers(90, 100)) if rng.random() < 0.2 else None,
    }


def identifying_strings(identity: dict, study: dt.date, with_report: bool = True) -> list[str]:
    """Every identifying string the generator writes for a session, as it writes them: in the
    EDF headers and paths, and in the report when there is one."""
    birth = dt.date.fromisoformat(identity["birth"])
    strings = [identity["first"], identity["last"], identity["mrn"], identity["technician"]]
    strings += [_edf_date(birth), _edf_date(study), f"{study:%Y_%m_%d}", f"{study:%d.%m.%y}"]
    if with_report:
        strings += [identity["physician"], f"{birth:%m/%d/%Y}", f"{study:%m/%d/%Y}"]
        strings += [f"{study:%B} {study.day}, {study.year}"]
    return strings


def _report(body: str, identity: dict, study: dt.date) -> str:
    birth = dt.date.fromisoformat(identity["birth"])
    name = f"{identity['first']} {identity['last']}"
    lines = [
        f"Patient: {name}    MRN: {identity['mrn']}    DOB: {birth:%m/%d/%Y}",
        f"Date of study: {study:%m/%d/%Y}    Referring physician: Dr. {identity['physician']}",
        f"Technologist: {identity['technician']}",
    ]
    if identity["old_age"] is not None:
        lines.append(f"Age: {identity['old_age']}")
    body = body.replace(
        "CLINICAL HISTORY: ",
        f"CLINICAL HISTORY: {name} (MRN {identity['mrn']}), seen on {study:%B} {study.day}, "
        f"{study.year}. ",
        1,
    )
    if identity["old_age"] is not None:
        body += f"\n\nNote: the patient is a {identity['old_age']}-year-old resident."
    signed = f"Electronically signed by Dr. {identity['physician']} on {study:%B} {study.day}, {study.year}."
    return "\n".join(lines) + "\n\n" + body + "\n\n" + signed + "\n"


def _patch_field(path: Path, field: tuple[int, int], text: str) -> None:
    offset, width = field
    with path.open("r+b") as stream:
        stream.seek(offset)
        stream.write(text.encode("ascii")[:width].ljust(width))


def _header_fields(path: Path, spec: RecordingSpec, identity: dict) -> None:
    birth = dt.date.fromisoformat(identity["birth"])
    name = f"{identity['first']}_{identity['last']}"
    code = path.name.split("_")[0]
    _patch_field(path, _PATIENT_FIELD, f"{code} {spec.patient.sex} {_edf_date(birth)} {name}")
    _patch_field(
        path,
        _RECORDING_FIELD,
        f"Startdate {_edf_date(spec.start.date())} {identity['mrn']} "
        f"{identity['technician']} ELM-synth",
    )


def _shorten(path: Path, records: int) -> None:
    """Keep the first ``records`` data records of an EDF file (a valid, shorter file)."""
    data = bytearray(path.read_bytes())
    n_signals = int(data[252:256])
    header = 256 * (n_signals + 1)
    old = int(data[236:244])
    record_bytes = (len(data) - header) // old
    data[236:244] = str(records).encode().ljust(8)
    path.write_bytes(bytes(data[: header + records * record_bytes]))


def _relabel(path: Path, old: str, new: str) -> None:
    data = bytearray(path.read_bytes())
    n_signals = int(data[252:256])
    for k in range(n_signals):
        start = 256 + 16 * k
        if data[start : start + 16].decode("ascii").strip() == old:
            data[start : start + 16] = new.encode("ascii").ljust(16)
    path.write_bytes(bytes(data))


def _write_session(task: tuple) -> str:
    folder, code, session, spec, report, identity, tokens, seed, bad = task
    montage = folder / MONTAGE_FOLDER
    montage.mkdir(parents=True, exist_ok=True)
    paths = []
    for token in range(tokens):
        path = montage / f"{code}_{session}_t{token:03d}.edf"
        write_recording(path, spec, [*seed, token])
        _header_fields(path, spec, identity)
        paths.append(path)
    if bad != "no report":
        (folder / f"{code}_{session}.txt").write_text(report, encoding="utf-8")
    if bad == "truncated":
        data = paths[0].read_bytes()
        paths[0].write_bytes(data[: len(data) // 2])
    elif bad == "folder named .edf":
        (montage / f"{code}_{session}_t009.edf").mkdir(exist_ok=True)
    elif bad == "too short":
        short = montage / f"{code}_{session}_t008.edf"
        short.write_bytes(paths[0].read_bytes())
        _shorten(short, 3)
    elif bad == "missing electrode":
        for path in paths:
            _relabel(path, "EEG T3-REF", "EEG XX-REF")
    elif bad == "not an EDF file":
        (montage / f"{code}_{session}_t007.edf").write_text("exported by mistake\n")
    return f"{code}_{session}"


def write_tuh_archive(
    out_dir: Path,
    n_sessions: int,
    minutes: float,
    seed: int,
    bad_files: bool = True,
    workers: int = 2,
    progress: ProgressCallback | None = None,
) -> Path:
    """Write a synthetic archive in TUH layout under ``out_dir/edf`` and its ground truth.

    Parameters
    ----------
    out_dir : Path
        Folder to create; the recordings go under ``edf/``, :data:`GROUND_TRUTH_NAME` beside.
    n_sessions : int
        Sessions (one synthetic recording spec each, one or two EDF files).
    minutes : float
        Length of each recording.
    seed : int
        Seed of everything; the same arguments give the same bytes.
    bad_files : bool
        Give the sessions at :data:`BAD_SESSIONS` their defects.
    workers : int
        Processes writing sessions.
    progress : ProgressCallback, optional
        Called with (sessions written, n_sessions, last session).

    Returns
    -------
    Path
        The ground-truth file.
    """
    out_dir = Path(out_dir)
    plan = plan_corpus(n_sessions, minutes, seed)
    codes: dict[str, str] = {}
    session_numbers: dict[str, int] = {}
    identities: dict[str, dict] = {}
    tasks, truth = [], []
    for i, (spec, body) in enumerate(plan):
        rng = np.random.default_rng([seed, 5, i])
        patient = spec.patient.patient_id
        code = codes.setdefault(patient, _patient_code(len(codes) + 1))
        identity = identities.setdefault(patient, _identity(rng, spec))
        session_numbers[patient] = session_numbers.get(patient, 0) + 1
        session = f"s{session_numbers[patient]:03d}"
        study = spec.start.date()
        folder = out_dir / "edf" / f"{len(codes) // 100:03d}" / code / f"{session}_{study:%Y_%m_%d}"
        tokens = 2 if rng.random() < 0.3 else 1
        bad = BAD_SESSIONS.get(i) if bad_files else None
        report = _report(body, identity, study)
        tasks.append((folder, code, session, spec, report, identity, tokens, [seed, 6, i], bad))
        truth.append(
            {
                "session": f"{code}_{session}",
                "folder": folder.relative_to(out_dir).as_posix(),
                "tokens": tokens,
                "findings": sorted({f.name for f in spec.findings}),
                "abnormal": spec.abnormal,
                "bad": bad,
                "identifying": identifying_strings(identity, study, bad != "no report"),
            }
        )
    write_in_parallel(_write_session, tasks, workers, progress)
    path = out_dir / GROUND_TRUTH_NAME
    path.write_text("".join(json.dumps(row) + "\n" for row in truth), encoding="utf-8")
    return path


def read_ground_truth(path: Path) -> list[dict]:
    """Return the rows of a :data:`GROUND_TRUTH_NAME` file."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]
