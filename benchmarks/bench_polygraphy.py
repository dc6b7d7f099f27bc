"""Benchmark of polygraphy: heart rate against the synthetic truth, and paging with it shown.

Targets (issue 19, item 4):

- heart rate within 2 bpm of the synthetic truth across rhythms: for each rhythm of
  :data:`elm_desktop.synth.heart_rhythm.RHYTHMS` (and sinus rhythm with seizures, i.e. ictal
  tachycardia), ``--n`` synthetic recordings of ``--minutes`` minutes are written with that
  rhythm; the rate measured from the EDF's EKG channel (60 / mean RR outside the ictal spans) is
  compared with the manifest's truth; the rhythm read from the RR intervals is counted too;
- paging >= 60 pages/s with the polygraphic channels and the trends shown: the paging of
  ``bench_gui.py`` (50 full-page key presses from a 0 ms timer, 1 / median interval), on a
  10-minute 21-electrode EDF+ with EKG, two EOG, chin EMG and photic channels, after the trends
  and the heart-rate strip are drawn.

Run from the repository root (``QT_QPA_PLATFORM=offscreen`` or under ``xvfb-run``)::

    .venv/bin/python benchmarks/bench_polygraphy.py [--n 4] [--minutes 3] [--out]

The figures go to stdout and, with ``--out``, are appended to
``benchmarks/results/polygraphy.txt``; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "polygraphy.txt"
SFREQ = 256
RHYTHM_READ = {  # what the EKG's RR intervals should say of each rhythm
    "sinus": "regular",
    "sinus_bradycardia": "regular",
    "sinus_tachycardia": "regular",
    "atrial_fibrillation": "irregularly irregular",
    "premature_beats": "regular with premature beats",
}


def heart_rate_errors(folder: Path, n: int, minutes: float) -> list[str]:
    """Write ``n`` recordings per rhythm and compare the measured rate with the truth."""
    from elm_desktop.signals.heart_rate import measure_heart_rate
    from elm_desktop.signals.recording import open_recording
    from elm_desktop.synth.corpus import plan_corpus, write_recording
    from elm_desktop.synth.heart_rhythm import RHYTHMS, draw_rhythm, rhythm_truth

    cases = [(name, False) for name in RHYTHMS] + [("sinus", True)]
    plan = plan_corpus(n * len(cases), minutes, 19, ["seizure"])
    lines = []
    worst = 0.0
    for c, (name, ictal) in enumerate(cases):
        errors, read = [], 0
        for k in range(n):
            index = c * n + k
            spec, _ = plan[index]
            spec.with_ekg = True
            seizures = spec.finding("seizure").intervals if ictal else []
            spec.heart_rhythm = draw_rhythm(
                np.random.default_rng([19, index]), spec.heart_rate, seizures, name
            )
            truth = rhythm_truth(spec.heart_rhythm, spec.heart_rate, spec.duration_s)
            path = write_recording(folder / f"hr{index}.edf", spec, [19, 3, index])
            heart = measure_heart_rate(open_recording(path))
            measured = heart.rate_bpm(exclude=[span[:2] for span in truth["ictal"]])
            errors.append(abs(measured - truth["rate_bpm"]))
            read += heart.rhythm() == RHYTHM_READ[name]
        worst = max(worst, max(errors))
        label = name + (" + ictal tachycardia" if ictal else "")
        lines.append(
            f"  {label:<34} |error| mean {np.mean(errors):4.2f}, max {max(errors):4.2f} bpm; "
            f"rhythm read right {read}/{n}"
        )
    lines.append(f"  worst error {worst:.2f} bpm (target <= 2)")
    return lines


def write_poly_edf(path: Path, seconds: int = 600) -> Path:
    """A 21-electrode EDF+ of noise with EKG (sinus), EOG x2, chin EMG and a photic channel."""
    from elm_desktop.synth.edf_writer import EdfWriter, SignalHeader
    from elm_desktop.synth.electrodes import ELECTRODES
    from elm_desktop.synth.heart_rhythm import HeartBeats, draw_rhythm

    rng = np.random.default_rng(5)
    t = np.arange(seconds * SFREQ) / SFREQ
    eeg = 30.0 * rng.standard_normal((len(ELECTRODES), t.size))
    heart = HeartBeats(draw_rhythm(rng, 72.0, [], "sinus"), seconds, SFREQ)
    ekg = 900.0 * heart.render(t)
    eog = 60.0 * np.sin(2 * np.pi * 0.4 * t) + 5.0 * rng.standard_normal((2, t.size))
    emg = 8.0 * rng.standard_normal(t.size)
    photic = np.where((t % 60 < 20) & ((t * 10) % 1 < 0.05), 500.0, 0.0)
    extra = np.vstack([ekg, eog, emg, photic])
    signals = [SignalHeader(f"EEG {name.upper()}-REF", -3000.0, 3000.0) for name in ELECTRODES]
    signals += [
        SignalHeader(label, -3000.0, 3000.0)
        for label in ("EEG EKG1-REF", "EOG LOC", "EOG ROC", "EMG CHIN", "PHOTIC-REF")
    ]
    with EdfWriter(
        path, signals, SFREQ, seconds, dt.datetime(2024, 1, 1, 8), "X X X X", "X X X X", []
    ) as writer:
        writer.write_block(np.vstack([eeg, extra]))
    return path


def page_with_polygraphy(path: Path, shown: bool = True) -> dict:
    """Paging as bench_gui.py measures it, with polygraphy (unless not ``shown``), trends and
    heart rate drawn."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_gui import open_for_paging, page_by_keys

    window, app = open_for_paging(
        path, lambda w: w.trends.trends is not None and w.heart_rate.heart is not None
    )
    if not shown:
        window.action_toggle_polygraphy()
    view = window.trace_view
    pages = page_by_keys(app, window)
    return {
        "pages_per_s": pages,
        "eeg_rows": len(view.visible_rows()),
        "poly_rows": len(view.drawn_poly_channels()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--hidden", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=4, help="recordings per rhythm (default 4)")
    parser.add_argument("--minutes", type=float, default=3.0, help="minutes per recording")
    parser.add_argument("--runs", type=int, default=2, help="paging runs each way (default 2)")
    parser.add_argument("--out", action="store_true", help=f"append the figures to {RESULTS}")
    args = parser.parse_args()
    if args.child:
        figures = page_with_polygraphy(Path(args.child), not args.hidden)
        print("RESULT " + json.dumps(figures), flush=True)
        os._exit(0)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    lines = [
        f"# bench_polygraphy.py, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']}, load average at start "
        f"{os.getloadavg()[0]:.1f}",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["ELM_DESKTOP_DATA"] = str(folder / "data")
        lines.append(
            f"heart rate from the EKG vs synthetic truth, {args.n} recordings x "
            f"{args.minutes:g} min per rhythm (256 Hz):"
        )
        print(lines[0], flush=True)
        for line in heart_rate_errors(folder, args.n, args.minutes):
            print(line, flush=True)
            lines.append(line)
        path = write_poly_edf(folder / "poly.edf")
        lines.append(
            "paging (bench_gui.py's method), 10-minute EDF+, 20 EEG rows x 10 s at 256 Hz, "
            "trends and heart rate drawn; polygraphy shown / hidden (K), alternating runs:"
        )
        print(lines[-1], flush=True)
        for run in range(args.runs):
            for hidden in (False, True):
                command = [sys.executable, __file__, "--child", str(path)]
                # A data folder per child: the window remembers K (shown / hidden), and a
                # child started hidden by the last one would wait for a strip never drawn.
                data = folder / f"data-{run}-{'hidden' if hidden else 'shown'}"
                output = subprocess.run(
                    command + (["--hidden"] if hidden else []),
                    capture_output=True,
                    text=True,
                    check=False,
                    env=dict(os.environ, ELM_DESKTOP_DATA=str(data)),
                )
                found = [line for line in output.stdout.splitlines() if line.startswith("RESULT ")]
                if not found:
                    raise RuntimeError(
                        f"paging failed:\n{output.stdout[-2000:]}\n{output.stderr[-3000:]}"
                    )
                figures = json.loads(found[0][7:])
                lines.append(
                    f"  run {run + 1} {figures['poly_rows']} polygraphic rows "
                    f"({'hidden' if hidden else 'shown'}): {figures['pages_per_s']:6.1f} pages/s "
                    f"(target >= 60), load average {os.getloadavg()[0]:.1f}"
                )
                print(lines[-1], flush=True)
    if args.out:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        with RESULTS.open("a", encoding="utf-8") as stream:
            stream.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
