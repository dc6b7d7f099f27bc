"""Cost of the recording-conditions layer: a corpus with and without it.

Generates the same corpus (``--n`` recordings of ``--minutes``, one worker so that the process's
own CPU time is the whole cost) with no conditions, all conditions, and all but
``sampling_rate`` (which renders fixed-rate families at up to 512 Hz), and prints the CPU
seconds, wall seconds and the ratio to no conditions (target: all <= about 1.5x). With
``--model-input N`` it prints instead what the layer does to the model input of N normal
one-minute recordings per family: the median over recordings of the median per-channel SD
(units of 10 uV) and of the 13-30 Hz share of 1-45 Hz power, with their interquartile ranges.

    .venv/bin/python benchmarks/bench_conditions.py                       # 100 x 1 min, both families
    .venv/bin/python benchmarks/bench_conditions.py --family filtered-noise --n 20
    .venv/bin/python benchmarks/bench_conditions.py --model-input 30
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import signal

from elm_desktop.signals import elm_input, open_recording
from elm_desktop.synth import read_manifest
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


def _quartiles(values: list[float]) -> str:
    low, mid, high = np.percentile(values, [25, 50, 75])
    return f"{mid:.2f} (IQR {low:.2f}-{high:.2f})"


def model_input(family: str, n: int, conditions: str) -> str:
    """SD and beta share of the model input of ``n`` normal one-minute recordings."""
    sds, betas = [], []
    with tempfile.TemporaryDirectory() as folder:
        manifest = get_family(family).generate(
            Path(folder), n, 1.0, seed=31, findings=["normal"], workers=1, conditions=conditions
        )
        for entry in read_manifest(manifest):
            x = np.asarray(elm_input(open_recording(Path(folder) / entry["edf"])))
            sds.append(float(np.median(x.std(axis=1))))
            frequencies, power = signal.welch(x, 100, nperseg=400)
            band = power[:, (frequencies >= 1) & (frequencies < 45)].sum()
            betas.append(power[:, (frequencies >= 13) & (frequencies < 30)].sum() / band)
    return f"SD {_quartiles(sds)}, beta share {_quartiles(betas)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", choices=list_families(), action="append")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--model-input", type=int, metavar="N")
    args = parser.parse_args()
    if args.model_input:
        for family in args.family or list_families():
            for conditions in ("none", "all"):
                stats = model_input(family, args.model_input, conditions)
                print(f"{family}, conditions {conditions}: {stats}", flush=True)
        return
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
