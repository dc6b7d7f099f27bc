"""``elm-desktop info`` and ``elm-desktop preprocess``: look at a recording, prepare model input."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from elm_desktop.errors import ConfigError, RecordingTooShortError
from elm_desktop.outputs import check_output_file, strict_json
from elm_desktop.progress import TerminalProgress


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``info`` and ``preprocess`` commands."""
    info = subparsers.add_parser(
        "info",
        help="show what a recording holds: EEG channels and their 10-20 names, or ECG leads",
        description="Whether the file is EEG or a 12-lead ECG; for EEG: duration, sampling "
        "rates, channels and their 10-20 names, the TCP derivations that can be built, "
        "annotations; for ECG: format, duration, rate, leads as stored and derived, warnings; "
        "patient fields only with --phi.",
    )
    info.add_argument(
        "file",
        type=Path,
        help="EEG (EDF, EDF+, BDF) or 12-lead ECG (WFDB .hea/.dat, EDF, HL7 aECG, GE MUSE XML)",
    )
    info.add_argument("--phi", action="store_true", help="also show the patient fields")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(handler=run_info)

    preprocess = subparsers.add_parser(
        "preprocess",
        help="write the ELM model input of a recording as .npy",
        description="Band-pass 0.1-49 Hz, 20-channel TCP montage, x1e5, clip +-80, resample to "
        "100 Hz (the ELM authors' preprocessing). Writes float32 [20, samples], or with "
        "--window the crops [n, 20, window samples].",
    )
    preprocess.add_argument("file", type=Path, help="EDF, EDF+ or BDF file")
    preprocess.add_argument("--out", type=Path, required=True, help="output .npy file")
    preprocess.add_argument(
        "--window", choices=("5s", "60s"), help="cut into crops of this length (5 s or 60 s model)"
    )
    preprocess.set_defaults(handler=run_preprocess)


def describe(path: Path, phi: bool) -> dict[str, Any]:
    """Return what ``info`` shows, as plain data; ``modality`` names the registry's entry."""
    from elm_desktop.signals.modality import detect_modality

    return INFO[detect_modality(path)][0](path, phi)


def describe_eeg(path: Path, phi: bool) -> dict[str, Any]:
    """Return what ``info`` shows of an EEG, as plain data."""
    from elm_desktop.signals import ELM_CHANNELS, get_montage, open_recording

    rec = open_recording(path)
    montage = get_montage("tcp-elm")
    _, available = montage.matrix(rec.electrodes)
    facts: dict[str, Any] = {
        "file": str(rec.path),
        "modality": "eeg",
        "format": rec.file_format,
        "duration_s": rec.duration,
        "sfreq": rec.sfreq,
        "channels": [
            {
                "label": channel.label,
                "name": channel.name,
                "kind": channel.kind,
                "sfreq": rec.channel_sfreqs[channel.label],
            }
            for channel in rec.channels
        ],
        "electrodes": list(rec.electrodes),
        "tcp_derivations": {
            label: bool(ok) for label, ok in zip(ELM_CHANNELS, available, strict=True)
        },
        "missing_for_tcp": montage.missing(rec.electrodes),
        "annotations": [
            {"onset_s": a.onset, "duration_s": a.duration, "text": a.description}
            for a in rec.annotations
        ],
        "warnings": list(rec.warnings),
    }
    if phi:
        patient = rec.patient
        facts["patient"] = {
            "patient_field": patient.patient,
            "recording_field": patient.recording,
            "start": patient.meas_date.isoformat() if patient.meas_date else None,
            "code": patient.code,
            "sex": patient.sex,
            "birthdate": patient.birthdate,
            "name": patient.name,
        }
    return facts


def describe_ecg(path: Path, phi: bool) -> dict[str, Any]:
    """Return what ``info`` shows of a 12-lead ECG, as plain data."""
    from elm_desktop.signals.ecg import read_ecg
    from elm_desktop.signals.ecg.qrs import rate_bpm

    ecg = read_ecg(path, include_phi=phi)
    facts: dict[str, Any] = {
        "file": str(ecg.path),
        "modality": "ecg",
        "format": ecg.source_format,
        "duration_s": ecg.duration,
        "sfreq": ecg.sfreq,
        "leads": list(ecg.leads),
        "file_leads": [label.strip() for label in ecg.file_leads],
        "derived_leads": list(ecg.derived_leads),
        "warnings": list(ecg.warnings),
        "rate_bpm": rate_bpm(ecg.qrs / ecg.sfreq, ecg.qrs_alike),
        "measurements": None if ecg.measurements is None else ecg.measurements.to_dict(),
        "measured": None if ecg.measurements is None else ecg.measurements.summary(),
    }
    if phi:
        patient = ecg.patient
        facts["patient"] = {
            "start": ecg.start.isoformat() if ecg.start else None,
            "patient_id": patient.patient_id,
            "name": patient.name,
            "birth_date": patient.birth_date,
            "sex": patient.sex,
            "age": patient.age,
        }
    return facts


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}" + f"{seconds % 1:.2f}"[1:]


def _say(line: str) -> None:
    """Print one line of ``info``, control characters escaped.

    Labels, annotations and patient fields come from the file: a line break or a terminal
    escape sequence in them must not reach the terminal as such.
    """
    print("".join(c if c.isprintable() else repr(c)[1:-1] for c in line))


def run_info(args: argparse.Namespace) -> int:
    facts = describe(args.file, args.phi)
    if args.json:
        print(strict_json(facts, indent=2))
        return 0
    INFO[facts["modality"]][1](facts)
    _say_patient(facts)
    return 0


def _say_ecg(facts: dict[str, Any]) -> None:
    _say(f"{facts['file']}  ({facts['format']})")
    _say("modality   12-lead ECG")
    for warning in facts["warnings"]:
        _say(f"warning    {warning}")
    _say(f"duration   {_clock(facts['duration_s'])}  ({facts['duration_s']:g} s)")
    _say(f"sampling   {facts['sfreq']:g} Hz")
    _say(f"leads      {' '.join(facts['leads'])}")
    _say(f"  stored as {' '.join(facts['file_leads'])}")
    if facts["derived_leads"]:
        _say(f"  computed from I and II: {', '.join(facts['derived_leads'])}")
    rate = facts["rate_bpm"]
    _say(f"rate       {f'{rate:.0f}/min' if rate is not None else 'not measured'}")
    from elm_desktop.signals.ecg.measurements import NOT_MEASURED

    _say(f"measured   {facts['measured'] or NOT_MEASURED}")


def _say_patient(facts: dict[str, Any]) -> None:
    if "patient" in facts:
        _say("patient fields (PHI)")
        for key, value in facts["patient"].items():
            _say(f"  {key:<16} {value}")
    else:
        _say("patient fields hidden (show them with --phi)")


def _say_eeg(facts: dict[str, Any]) -> None:
    rates = sorted({c["sfreq"] for c in facts["channels"]})
    _say(f"{facts['file']}  ({facts['format']})")
    _say("modality   EEG")
    for warning in facts["warnings"]:
        _say(f"warning    {warning}")
    _say(f"duration   {_clock(facts['duration_s'])}  ({facts['duration_s']:g} s)")
    _say(
        f"sampling   {facts['sfreq']:g} Hz as read; native rates {', '.join(f'{r:g}' for r in rates)} Hz"
    )
    _say(f"channels   {len(facts['channels'])}, of which {len(facts['electrodes'])} EEG electrodes")
    for channel in facts["channels"]:
        mapped = channel["name"] if channel["kind"] == "eeg" else f"not EEG ({channel['kind']})"
        _say(f"  {channel['label']:<20} -> {mapped:<22} {channel['sfreq']:g} Hz")
    built = [label for label, ok in facts["tcp_derivations"].items() if ok]
    _say(f"TCP (ELM)  {len(built)} of 20 derivations can be built")
    if facts["missing_for_tcp"]:
        _say(f"  missing electrodes: {', '.join(facts['missing_for_tcp'])}")
        lost = [label for label, ok in facts["tcp_derivations"].items() if not ok]
        _say(f"  derivations that cannot be built: {', '.join(lost)}")
    _say(f"annotations {len(facts['annotations'])}")
    for note in facts["annotations"]:
        _say(f"  {_clock(note['onset_s'])}  {note['duration_s']:>7.2f} s  {note['text']}")


def run_preprocess(args: argparse.Namespace) -> int:
    from elm_desktop.signals import ELM_CHANNELS, ELM_SFREQ, iter_elm_input, open_recording

    if args.out.suffix != ".npy":
        raise ConfigError(f"--out {args.out} must end in .npy")
    check_output_file(args.out, "--out")
    rec = open_recording(args.file)
    n_out = int(round(rec.n_samples * ELM_SFREQ / rec.sfreq))
    window = int(args.window[:-1]) if args.window else None
    if window is not None and n_out < window * ELM_SFREQ:
        raise RecordingTooShortError(
            f"{rec.path.name} lasts {rec.duration:.1f} s, shorter than one {window} s model "
            "crop; use a longer recording or --window 5s"
        )
    progress = TerminalProgress(f"preprocess {rec.path.name}")
    blocks = iter_elm_input(rec, progress=progress)
    if window is None:
        shape = (len(ELM_CHANNELS), n_out)
        written = _write_streamed(args.out, shape, blocks, fortran_order=True)
    else:
        length = int(window * ELM_SFREQ)
        shape = (n_out // length, len(ELM_CHANNELS), length)
        written = _write_streamed(args.out, shape, _crops(blocks, length, shape[0]))
    progress.close()
    print(f"wrote {args.out}: float32 {list(written)}")
    return 0


def _crops(blocks, length: int, n_crops: int):
    """Regroup time blocks [20, n] into whole crops [20, length], in time order."""
    pending = np.zeros((0, 0), np.float32)
    made = 0
    for block in blocks:
        pending = block if pending.size == 0 else np.concatenate([pending, block], axis=1)
        while pending.shape[1] >= length and made < n_crops:
            yield pending[:, :length]
            pending = pending[:, length:]
            made += 1


def _write_streamed(path: Path, shape: tuple[int, ...], parts, fortran_order: bool = False):
    """Write an .npy file part by part so the whole array never sits in memory.

    With ``fortran_order`` a [channels, time] array is stored time-major, so consecutive time
    blocks are consecutive bytes; ``numpy.load`` returns it with the same shape.
    """
    header = {"descr": "<f4", "fortran_order": fortran_order, "shape": shape}
    # Written beside the target and moved over it when complete: a recording refused half-way
    # (e.g. NaN in its model input) leaves neither a partial file nor a clobbered old one.
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as stream:
            np.lib.format.write_array_header_1_0(stream, header)
            for part in parts:
                data = part.T if fortran_order else part
                stream.write(np.ascontiguousarray(data, dtype="<f4").tobytes())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return shape


#: Per modality of the registry (``signals.modality.MODALITIES``): what ``info`` gathers and
#: how it prints it.
INFO = {"eeg": (describe_eeg, _say_eeg), "ecg": (describe_ecg, _say_ecg)}
