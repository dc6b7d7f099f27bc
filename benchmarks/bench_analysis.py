"""Benchmark of headless analysis: end-to-end time, first partial result, free-text prompt, memory.

Targets (issue 4): ``elm-desktop analyze`` of a one-hour 256 Hz recording end to end (open,
preprocess, encode, score, draft, search) under 6 s with the first partial result within 1 s;
a free-text prompt on the analysed hour under 50 ms; peak RSS for a 24-hour recording under 2 GB.

Run from the repository root::

    .venv/bin/python benchmarks/bench_analysis.py [--model DIR] [--skip-24h]

It writes synthetic recordings (synth, fixed seed) to a temporary folder, builds a small archive
of prior cases, runs each measurement in a fresh process (so imports, model loading and peak RSS
are counted honestly) and prints the figures; ``--out`` also writes them to a file
(``benchmarks/results/analysis.txt`` by default).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "analysis.txt"
# Fifteen different prompts, so that none is answered from the engine's per-prompt cache.
PROMPTS = tuple(
    f"{what} over the {where}"
    for what in ("sharp waves", "rhythmic delta", "poly spike and slow wave")
    for where in (
        "left temporal region",
        "right temporal region",
        "vertex",
        "frontal lobes",
        "occipital lobes",
    )
)


def _write_recording(folder: Path, minutes: float, seed: int) -> Path:
    from elm_desktop.synth import generate_corpus, read_manifest

    manifest = generate_corpus(folder, n=1, minutes=minutes, seed=seed, sfreq=256, workers=1)
    return manifest.parent / read_manifest(manifest)[0]["edf"]


def _write_noise_recording(path: Path, hours: float, sfreq: int = 256) -> Path:
    """A long 21-electrode EDF+ of pink-ish noise, written block by block (fast to make).

    Memory and time of the analysis do not depend on what the signal shows, and rendering a
    24-hour clinical recording with synth takes far longer than analysing it.
    """
    import datetime as dt

    from elm_desktop.synth.edf_writer import EdfWriter, SignalHeader
    from elm_desktop.synth.electrodes import ELECTRODES

    headers = [SignalHeader(f"EEG {e.upper()}-REF", -3276.8, 3276.7) for e in ELECTRODES]
    seconds = int(hours * 3600)
    rng = np.random.default_rng(0)
    block_s = 60
    with EdfWriter(
        path, headers, sfreq, seconds, dt.datetime(2020, 1, 1), "X X X X", "X"
    ) as writer:
        for start in range(0, seconds, block_s):
            n = min(block_s, seconds - start) * sfreq
            white = rng.standard_normal((len(headers), n)) * 20.0
            writer.write_block(np.cumsum(white, axis=1) * 0.05 + white)
    return path


def _build_archive(folder: Path, model: Path | None, n: int) -> Path:
    """Archive ``n`` short synthetic recordings with their reports."""
    from elm_desktop.analysis import analyze
    from elm_desktop.archive import open_archive
    from elm_desktop.cli.analyze import archive_case, load_engine
    from elm_desktop.synth import generate_corpus, read_manifest

    manifest = generate_corpus(folder / "prior", n=n, minutes=2, seed=12, workers=1)
    engine = load_engine(model, "auto")
    path = folder / "archive.sqlite"
    with open_archive(path) as archive:
        for entry in read_manifest(manifest):
            result = analyze(manifest.parent / entry["edf"], engine)
            archive_case(archive, result, entry["report"], engine, entry)
    return path


def _child(args: argparse.Namespace) -> None:
    """One measurement in this (fresh) process; prints one JSON line."""
    import resource

    started = time.perf_counter()
    from elm_desktop.analysis import analyze, score_prompt
    from elm_desktop.archive import open_archive
    from elm_desktop.cli.analyze import load_engine

    engine = load_engine(args.model, "auto")
    loaded = time.perf_counter() - started
    first: list[float] = []
    archive = open_archive(args.archive) if args.archive else None
    t0 = time.perf_counter()
    result = analyze(
        args.file,
        engine,
        archive=archive,
        on_partial=lambda partial: first.append(time.perf_counter() - t0) if not first else None,
    )
    analysed = time.perf_counter() - t0
    prompt_ms = []
    if result.zero_shot:
        score_prompt(result, engine, "warm-up")
        for text in PROMPTS:
            t1 = time.perf_counter()
            score_prompt(result, engine, text)
            prompt_ms.append((time.perf_counter() - t1) * 1000)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "process_s": time.perf_counter() - started,
                "load_s": loaded,
                "analyze_s": analysed,
                "first_partial_s": first[0] if first else None,
                "n_crops": result.n_crops,
                "timings": result.timings,
                "prompt_ms_median": float(np.median(prompt_ms)) if prompt_ms else None,
                "prompt_ms_max": float(np.max(prompt_ms)) if prompt_ms else None,
                "peak_rss_mb": peak_kb / 1024,
                "provider": getattr(engine, "provider", "?"),
                "zero_shot": result.zero_shot,
                "similar_cases": len(result.similar_cases),
            }
        )
    )


def _measure(file: Path, model: Path | None, archive: Path | None) -> dict:
    command = [sys.executable, __file__, "--child", "--file", str(file)]
    if model is not None:
        command += ["--model", str(model)]
    if archive is not None:
        command += ["--archive", str(archive)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _cli_wall(file: Path, model: Path | None, archive: Path | None, folder: Path) -> float:
    """Wall time of the real command line, process start to exit."""
    command = [sys.executable, "-m", "elm_desktop.cli", "analyze", str(file)]
    command += ["--json", str(folder / "out.json"), "--html", str(folder / "out.html")]
    if model is not None:
        command += ["--model", str(model)]
    if archive is not None:
        command += ["--archive", str(archive)]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--skip-24h", action="store_true")
    parser.add_argument("--archive-cases", type=int, default=20)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--archive", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return

    lines = [
        f"bench_analysis: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average at start {os.getloadavg()[0]:.1f} (a shared machine: other jobs slow "
        "every figure)",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        archive = _build_archive(folder, args.model, args.archive_cases)
        hour = _write_recording(folder / "hour", 60, seed=5)
        one_hour = _measure(hour, args.model, archive)
        cli_s = _cli_wall(hour, args.model, archive, folder)
        lines += [
            f"model: {args.model or 'default bundle'}; provider {one_hour['provider']}; "
            f"zero-shot {one_hour['zero_shot']}; archive of {args.archive_cases} cases",
            "",
            "1-hour 256 Hz recording (21 EEG channels):",
            f"  elm-desktop analyze --json --html, process start to exit: {cli_s:.2f} s (target < 6 s)",
            f"  analyze() call: {one_hour['analyze_s']:.2f} s; model load {one_hour['load_s']:.2f} s",
            "  stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in one_hour["timings"].items()),
            f"  first partial result: {one_hour['first_partial_s']:.2f} s after the call "
            "(target < 1 s)"
            if one_hour["first_partial_s"] is not None
            else "  first partial result: none (one block)",
            f"  free-text prompt: median {one_hour['prompt_ms_median']:.1f} ms, max "
            f"{one_hour['prompt_ms_max']:.1f} ms over {len(PROMPTS)} new prompts (target < 50 ms)"
            if one_hour["prompt_ms_median"] is not None
            else "  free-text prompt: n/a (model without text tower)",
            f"  peak RSS: {one_hour['peak_rss_mb']:.0f} MB; crops {one_hour['n_crops']}",
        ]
        if not args.skip_24h:
            day = _write_noise_recording(folder / "day.edf", 24)
            one_day = _measure(day, args.model, None)
            lines += [
                "",
                "24-hour 256 Hz recording (21 electrodes of noise, no archive):",
                f"  analyze() call: {one_day['analyze_s']:.1f} s; crops {one_day['n_crops']}",
                f"  peak RSS of the process: {one_day['peak_rss_mb']:.0f} MB (target < 2048 MB)",
            ]
    lines.append(f"load average at end {os.getloadavg()[0]:.1f}")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
