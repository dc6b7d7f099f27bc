"""Speed and memory of the synthetic EEG generator.

Prints: seconds to generate and write one hour of 21-channel 256 Hz EEG (target < 15 s), and
the peak resident memory of a process that writes a 24-hour recording (target < 1 GB).

    .venv/bin/python benchmarks/bench_synth.py            # both figures
    .venv/bin/python benchmarks/bench_synth.py --hours 2  # a shorter long recording
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from elm_desktop.synth import Patient, sample_spec, write_recording


def _spec(hours: float, seed: int):
    patient = Patient("bench-p1", 45.0, "M", "focal_epileptiform", "left temporal")
    spec = sample_spec(np.random.default_rng(seed), "bench", patient, hours * 3600, 256, "tuh")
    # 21 channels: the 19 scalp electrodes and both ears, no EKG or photic channel.
    return replace(spec, with_ekg=False, with_photic=False)


def one_hour(folder: Path) -> tuple[float, float]:
    spec = _spec(1.0, 1)
    cpu = time.process_time()
    start = time.perf_counter()
    write_recording(folder / "one-hour.edf", spec, 1)
    return time.perf_counter() - start, time.process_time() - cpu


def long_recording(folder: Path, hours: float) -> None:
    """Run in a child process so its peak RSS is its own."""
    spec = _spec(hours, 2)
    start = time.perf_counter()
    path = write_recording(folder / "long.edf", spec, 2)
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{elapsed:.1f} {peak_mb:.0f} {path.stat().st_size / 2**20:.0f} {len(spec.events)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0, help="length of the long recording")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        long_recording(args.child, args.hours)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wall, cpu = one_hour(folder)
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        print(f"one hour, 21 channels, 256 Hz: {wall:.1f} s wall, {cpu:.1f} s CPU (target < 15 s)")
        (folder / "one-hour.edf").unlink()
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(folder), "--hours", str(args.hours)],
            check=True,
            capture_output=True,
            text=True,
        )
        elapsed, peak_mb, size_mb, events = child.stdout.split()
        print(
            f"{args.hours:g} h, 21 channels, 256 Hz: {elapsed} s wall, peak RSS {peak_mb} MB "
            f"(target < 1024 MB), file {size_mb} MB, {events} events"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
