"""Cost of the recording-conditions layer: a corpus with and without it.

Generates the same corpus (``--n`` recordings of ``--minutes``, one worker so that the process's
own CPU time is the whole cost) with no conditions, all conditions, and all but
``sampling_rate`` (which renders fixed-rate families at up to 512 Hz), and prints the CPU
seconds, wall seconds and the ratio to no conditions (target: all <= about 1.5x).

    .venv/bin/python benchmarks/bench_conditions.py                       # 100 x 1 min, both families
    .venv/bin/python benchmarks/bench_conditions.py --family filtered-noise --n 20
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from elm_desktop.synth.conditions import INGREDIENTS
from elm_desktop.synth.families import get_family, list_families

SETTINGS = {
    "none": "none",
    "all": "all",
    "all but sampling_rate": ",".join(name for name in INGREDIENTS if name != "sampling_rate"),
}


def generate(family: str, n: int, minutes: float, conditions: str) -> tuple[float, float]:
    """CPU and wall seconds of one corpus written by this process."""
    with tempfile.TemporaryDirectory() as folder:
        cpu, wall = time.process_time(), time.perf_counter()
        get_family(family).generate(
            Path(folder), n, minutes, seed=0, workers=1, conditions=conditions
        )
        return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", choices=list_families(), action="append")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=1.0)
    args = parser.parse_args()
    for family in args.family or list_families():
        base = None
        for label, conditions in SETTINGS.items():
            cpu, wall = generate(family, args.n, args.minutes, conditions)
            base = base or cpu
            print(
                f"{family}, {args.n} x {args.minutes:g} min, conditions {label}: "
                f"{cpu:.1f} s CPU ({cpu / base:.2f}x none), {wall:.1f} s wall",
                flush=True,
            )


if __name__ == "__main__":
    main()
