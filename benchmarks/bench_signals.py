"""Benchmark of layer 1 (signals) against the plain whole-file MNE route.

Writes a 1-hour and a 24-hour 21-channel 256 Hz EDF (streamed record by record, so writing
them needs little memory), then measures, each in a fresh subprocess so peak resident memory
is its own:

- open + first 10 s page (TCP montage, LFF 1 Hz, HFF 70 Hz): ``open_recording`` + ``read_page``
  against the plain route (``read_raw_edf(preload=True)``, ``filter(1, 70)``, bipolar, first 10 s);
- ELM preprocessing: ``elm_input`` against the authors' route (``read_raw_edf(preload=True)``,
  ``filter(0.1, 49)``, bipolar, x1e5, clip, ``resample(100)``), as seconds of EEG per second;
- peak RSS of each.

Usage: ``python benchmarks/bench_signals.py [--dir DIR] [--hours 1 24] [--mne-max-hours H]``;
``--mne-max-hours`` skips the whole-file MNE route on longer files (it needs ~10 GB at 24 h).
The files are large (~0.9 GB for 24 h); the default folder is a temporary one, removed at the end.
"gain" is how many times faster (or smaller, or higher throughput) the signals layer is.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SFREQ = 256
LABELS = [
    f"EEG {name}-REF"
    for name in (
        "FP1", "FP2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2",
        "F7", "F8", "T3", "T4", "T5", "T6", "FZ", "CZ", "PZ", "A1", "A2",
    )
]  # fmt: skip
PHYSICAL = 3200.0  # uV


TAL_SAMPLES = 32  # 64 bytes of annotation signal per 1 s record


def _tal(second: int) -> bytes:
    """The annotation signal of one record: its time stamp, and a note every 5 minutes."""
    text = f"+{second}\x14\x14\x00".encode()
    if second % 300 == 0:
        text += f"+{second}\x150.5\x14eyes closed\x14\x00".encode()
    return text.ljust(2 * TAL_SAMPLES, b"\x00")


def write_edf(path: Path, hours: float, block_s: int = 300, seed: int = 0) -> None:
    """Write an EDF+C file of EEG-like signals, ``block_s`` seconds at a time.

    Like clinical exports it carries an "EDF Annotations" signal, which MNE's reader scans
    through the whole file when it opens it.
    """
    n_records = int(hours * 3600)
    n = len(LABELS) + 1
    fields = [
        "0",
        "X X X X",
        "Startdate X X X X",
        "01.01.20",
        "00.00.00",
        str(256 * (n + 1)),
        "EDF+C",
        str(n_records),
        "1",
        str(n),
    ]
    widths = (8, 80, 80, 8, 8, 8, 44, 8, 8, 4)
    header = b"".join(v.encode().ljust(w) for v, w in zip(fields, widths, strict=True))
    e = len(LABELS)
    per_signal = [
        ([*LABELS, "EDF Annotations"], 16),
        ([""] * n, 80),
        (["uV"] * e + [""], 8),
        ([f"{-PHYSICAL:g}"] * e + ["-1"], 8),
        ([f"{PHYSICAL:g}"] * e + ["1"], 8),
        (["-32768"] * n, 8),
        (["32767"] * n, 8),
        ([""] * n, 80),
        ([str(SFREQ)] * e + [str(TAL_SAMPLES)], 8),
        ([""] * n, 32),
    ]
    for values, width in per_signal:
        header += b"".join(v.encode().ljust(width) for v in values)
    from scipy import signal

    rng = np.random.default_rng(seed)
    gain = 32767 / PHYSICAL
    state = np.zeros((e, 1))
    with path.open("wb") as stream:
        stream.write(header)
        for start in range(0, n_records, block_s):
            seconds = min(block_s, n_records - start)
            t = (start * SFREQ + np.arange(seconds * SFREQ)) / SFREQ
            # Red noise (one-pole low-pass, ~20 uV) + alpha rhythm + white noise.
            red, state = signal.lfilter(
                [1.0], [1.0, -0.99], rng.standard_normal((e, t.size)), zi=state
            )
            uv = 3 * red + 30 * np.sin(2 * np.pi * 10 * t) + 2 * rng.standard_normal((e, t.size))
            digital = np.clip(np.round(uv * gain), -32768, 32767).astype("<i2")
            records = digital.reshape(e, seconds, SFREQ).transpose(1, 0, 2)
            for second, record in enumerate(records, start):
                stream.write(record.tobytes() + _tal(second))


# -- measurements, each run in its own process -------------------------------------------------


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _warm_imports() -> None:
    """Import what a running program has loaded already (MNE loads its readers lazily)."""
    import mne
    import scipy.signal  # noqa: F401

    mne.io.read_raw_edf  # noqa: B018


def measure_page_ours(path: str) -> dict:
    from elm_desktop.signals import DisplayFilter, open_recording, read_page

    _warm_imports()
    start = time.perf_counter()
    rec = open_recording(path)
    opened = time.perf_counter()
    page = read_page(rec, 0.0, 10.0, "tcp-elm", DisplayFilter(1.0, 70.0, None))
    done = time.perf_counter()
    assert page.data.shape == (20, 2560)
    annotations = len(rec.annotations)  # read on first use, after the page is drawn
    return {
        "open_s": opened - start,
        "page_s": done - start,
        "annotations_s": time.perf_counter() - done,
        "n_annotations": annotations,
        "rss_mb": _peak_rss_mb(),
    }


def _mne_bipolar(raw):
    import mne

    from elm_desktop.signals import ELM_CHANNELS, normalise_channel_name

    raw.rename_channels(normalise_channel_name)
    anodes = [label.split("-")[0] for label in ELM_CHANNELS]
    cathodes = [label.split("-")[1] for label in ELM_CHANNELS]
    return mne.set_bipolar_reference(
        raw, anodes, cathodes, ch_name=list(ELM_CHANNELS), verbose="error"
    ).pick(list(ELM_CHANNELS))


def measure_page_mne(path: str) -> dict:
    import mne

    _warm_imports()
    start = time.perf_counter()
    raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    opened = time.perf_counter()
    raw.filter(1.0, 70.0, verbose="error")
    page = _mne_bipolar(raw).get_data(start=0, stop=10 * SFREQ) * 1e6
    done = time.perf_counter()
    assert page.shape == (20, 2560)
    return {"open_s": opened - start, "page_s": done - start, "rss_mb": _peak_rss_mb()}


def measure_elm_ours(path: str) -> dict:
    from elm_desktop.signals import elm_input, open_recording

    start = time.perf_counter()
    rec = open_recording(path)
    x = elm_input(rec)
    elapsed = time.perf_counter() - start
    return {
        "seconds": elapsed,
        "eeg_s_per_s": rec.duration / elapsed,
        "rss_mb": _peak_rss_mb(),
        "shape": list(x.shape),
    }


def measure_elm_mne(path: str) -> dict:
    import mne

    from elm_desktop.signals import ELM_CHANNELS

    start = time.perf_counter()
    raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    duration = raw.n_times / raw.info["sfreq"]
    raw.filter(0.1, 49.0, verbose="error")
    bipolar = _mne_bipolar(raw)
    del raw
    data = np.clip(bipolar.get_data() * 1e5, -80, 80)
    info = mne.create_info(list(ELM_CHANNELS), bipolar.info["sfreq"], "eeg")
    del bipolar
    x = mne.io.RawArray(data, info, verbose="error").resample(100, verbose="error").get_data()
    elapsed = time.perf_counter() - start
    return {
        "seconds": elapsed,
        "eeg_s_per_s": duration / elapsed,
        "rss_mb": _peak_rss_mb(),
        "shape": list(x.shape),
    }


MEASUREMENTS = {
    f.__name__: f for f in (measure_page_ours, measure_page_mne, measure_elm_ours, measure_elm_mne)
}


def run_child(name: str, path: Path) -> dict:
    """Run one measurement in a fresh interpreter and return its figures."""
    command = [sys.executable, __file__, "--child", name, str(path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def _ratio(ours: float, theirs: float) -> str:
    return f"{theirs / ours:6.1f}x" if ours > 0 and np.isfinite(theirs) else "   n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="where to write the EDF files (kept)")
    parser.add_argument("--hours", type=float, nargs="+", default=[1.0, 24.0])
    parser.add_argument("--mne-max-hours", type=float, default=float("inf"))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, path = args.child
        print(json.dumps(MEASUREMENTS[name](path)))
        return

    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-signals-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"bench_signals: {platform.node()} {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"files in {folder}; every figure from a fresh subprocess (peak RSS = ru_maxrss),")
    print("imports done before the clock starts\n")
    try:
        for hours in args.hours:
            path = folder / f"bench_{hours:g}h.edf"
            if not path.exists():
                start = time.perf_counter()
                write_edf(path, hours)
                print(
                    f"wrote {path.name}: {path.stat().st_size / 1e6:.0f} MB "
                    f"in {time.perf_counter() - start:.1f} s"
                )
            figures = {
                name: run_child(name, path)
                if "mne" not in name or hours <= args.mne_max_hours
                else {"error": f"skipped (--mne-max-hours {args.mne_max_hours:g})"}
                for name in MEASUREMENTS
            }
            report(hours, figures)
            sys.stdout.flush()
    finally:
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)


def report(hours: float, f: dict) -> None:
    """Print one recording's figures, ours beside MNE's whole-file route."""
    print(f"== {hours:g} h, 21 channels, {SFREQ} Hz ==")
    for name, values in f.items():
        if "error" in values:
            print(f"  {name}: FAILED: {values['error']}")
    nan = {"open_s": np.nan, "page_s": np.nan, "rss_mb": np.nan, "seconds": np.nan,
           "eeg_s_per_s": np.nan, "shape": None, "annotations_s": np.nan,
           "n_annotations": 0}  # fmt: skip
    po, pm, eo, em = (nan | f[name] for name in MEASUREMENTS)
    print(f"  {'':34}{'signals':>12}{'whole-file MNE':>16}{'gain':>10}")
    print(
        f"  {'open (s)':34}{po['open_s']:12.3f}{pm['open_s']:16.3f}{_ratio(po['open_s'], pm['open_s']):>10}"
    )
    print(
        f"  {'open + first 10 s page (s)':34}{po['page_s']:12.3f}{pm['page_s']:16.3f}{_ratio(po['page_s'], pm['page_s']):>10}"
    )
    print(
        f"  {'then all annotations (s)':34}{po['annotations_s']:12.3f}{'(read at open)':>16}"
        f"   {po['n_annotations']} found"
    )
    print(
        f"  {'peak RSS, paging (MB)':34}{po['rss_mb']:12.0f}{pm['rss_mb']:16.0f}{_ratio(po['rss_mb'], pm['rss_mb']):>10}"
    )
    print(
        f"  {'ELM preprocessing (s)':34}{eo['seconds']:12.1f}{em['seconds']:16.1f}{_ratio(eo['seconds'], em['seconds']):>10}"
    )
    print(
        f"  {'ELM throughput (s EEG / s)':34}{eo['eeg_s_per_s']:12.0f}{em['eeg_s_per_s']:16.0f}{_ratio(em['eeg_s_per_s'], eo['eeg_s_per_s']):>10}"
    )
    print(
        f"  {'peak RSS, ELM preprocessing (MB)':34}{eo['rss_mb']:12.0f}{em['rss_mb']:16.0f}{_ratio(eo['rss_mb'], em['rss_mb']):>10}"
    )
    print(f"  output shape {eo['shape']} (ours) {em['shape']} (MNE)\n")


if __name__ == "__main__":
    main()
