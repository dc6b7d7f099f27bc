"""No network from any library, at the issue's sizes: connect() calls under strace.

Runs, each in a fresh process with its own HOME and no telemetry-suppressing variables, under
``strace -f -e trace=connect`` (helpers shared with ``tests/test_network.py``):

- a positive control: bare onnxruntime, one session, held 15 s (must show its telemetry);
- ``elm-desktop analyze`` of a one-hour recording (the real executable, then held past 15 s);
- ``elm-desktop archive add`` of 30 recordings into SQLite, and into PostgreSQL (pgserver,
  Unix socket);
- ``elm-desktop gui FILE --analyze`` open for 60 s (offscreen Qt);
- pgserver starting and stopping a PostgreSQL server.

Prints, per run: wall time, the connect() calls that are not AF_UNIX (with their addresses), and
the files written under HOME/.cache/Microsoft. Usage: ``python benchmarks/bench_network.py``
(writes ``benchmarks/results/network.txt`` too).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_network import (  # noqa: E402
    bare_onnxruntime,
    elm_desktop_held,
    finish_traced,
    start_traced,
)

ELM_DESKTOP = str(Path(sys.executable).with_name("elm-desktop"))
RESULTS = ROOT / "benchmarks" / "results" / "network.txt"

_PGSERVER = """
import sys, pgserver
server = pgserver.get_server(sys.argv[1], cleanup_mode="delete")
print(server.get_uri())
server.cleanup()
"""


def destinations(connects: list[str]) -> list[str]:
    """The address part of each traced connect(), counted."""
    found: dict[str, int] = {}
    for line in connects:
        match = re.search(r"sa_family=(AF_\w+), (.*?)\}", line)
        key = f"{match.group(1)} {match.group(2)}" if match else line.strip()
        found[key] = found.get(key, 0) + 1
    return [f"{n} x {key}" for key, n in found.items()]


def run(name: str, argv: list[str], work: Path, lines: list[str], timeout_s: float = 1800):
    started = time.monotonic()
    trace = finish_traced(start_traced(argv, work / name), timeout_s)
    wall = time.monotonic() - started
    line = (
        f"{name}: exit {trace.returncode}, {wall:.1f} s, {len(trace.connects)} non-Unix "
        f"connect() calls, {len(trace.queued)} files under ~/.cache/Microsoft"
    )
    print(line, flush=True)
    lines.append(line)
    lines += [f"    {d}" for d in destinations(trace.connects)]
    if trace.returncode not in (0,):
        lines.append(f"    stderr tail: {trace.stderr.strip().splitlines()[-1:]}")
    return trace


def main() -> int:
    from elm_desktop.paths import default_bundle
    from elm_desktop.synth import generate_corpus

    bundle = default_bundle()
    work = Path(tempfile.mkdtemp(prefix="bench-network-"))
    lines = [
        f"bench_network: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, python {platform.python_version()},"
        f" load average at start {os.getloadavg()[0]:.1f}",
        f"model: {bundle}",
    ]
    import onnxruntime

    lines.append(f"onnxruntime {onnxruntime.__version__}; strace -f -e trace=connect")
    print("generating recordings ...", flush=True)
    hour = generate_corpus(work / "hour", n=1, minutes=60, seed=31, workers=2)
    thirty = generate_corpus(work / "thirty", n=30, minutes=2, seed=32, workers=2)
    long_file = next(hour.parent.rglob("*.edf"))
    model = ["--model", str(bundle)]

    gui = start_traced(
        elm_desktop_held(["gui", str(long_file), *model, "--analyze"], hold_s=60), work / "gui"
    )
    run(
        "control: bare onnxruntime session, 15 s",
        bare_onnxruntime(bundle / "eeg_encoder.onnx", 15),
        work,
        lines,
    )
    analyze = ["analyze", str(long_file), *model, "--json", str(work / "hour.json")]
    run("analyze, one-hour file (elm-desktop executable)", [ELM_DESKTOP, *analyze], work, lines)
    run("analyze, one-hour file, held >= 15 s", elm_desktop_held(analyze, 15), work, lines)
    add = ["archive", "add", str(thirty.parent), *model]
    run(
        "archive add, 30 files, SQLite, held >= 15 s",
        elm_desktop_held([*add, "--archive", str(work / "a.sqlite")], 15),
        work,
        lines,
    )

    import pgserver

    server = pgserver.get_server(str(work / "pg"), cleanup_mode="delete")
    try:
        run(
            "archive add, 30 files, PostgreSQL (pgserver, Unix socket), held >= 15 s",
            elm_desktop_held([*add, "--archive", server.get_uri()], 15),
            work,
            lines,
        )
    finally:
        server.cleanup()
    run(
        "pgserver: start and stop a server",
        [sys.executable, "-c", _PGSERVER, str(work / "pg2")],
        work,
        lines,
    )

    trace = finish_traced(gui, 600)
    line = (
        f"gui FILE --analyze, open 60 s (offscreen Qt, closed by its timer): exit "
        f"{trace.returncode}, {len(trace.connects)} non-Unix connect() calls, "
        f"{len(trace.queued)} files under ~/.cache/Microsoft"
    )
    print(line)
    lines.append(line)
    lines += [f"    {d}" for d in destinations(trace.connects)]
    lines.append(f"load average at end {os.getloadavg()[0]:.1f}")
    RESULTS.parent.mkdir(exist_ok=True)
    with open(RESULTS, "a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n\n")
    print(f"appended to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
