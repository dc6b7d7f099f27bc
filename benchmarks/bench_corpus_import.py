"""``elm-desktop corpus import`` on a synthetic TUH-layout archive: speed, memory, labels.

Writes an archive of ``--sessions`` synthetic sessions (``elm_desktop.synth.tuh_layout``: one or
two EDF files of ``--minutes`` each per session, identity in headers and reports, six bad
sessions), then imports it once with each worker count in ``--workers``, every run a fresh
``elm-desktop corpus import`` process into a new folder. Reports per run: wall seconds,
sessions and source megabytes per minute, and the peak resident memory of the largest process
(``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` of a wrapper process that ran only that
import). Then the agreement of the report-derived labels (negation-aware findings extractor)
with the generator's ground truth: precision and recall per finding and for "abnormal", over the
imported recordings. Finally a linear projection of this machine's rate to ``--project``
sessions of ``--project-tb`` terabytes (the TUH EEG corpus) on N workers.

Usage: ``python benchmarks/bench_corpus_import.py [--sessions 200] [--minutes 2] [--workers 1 2]
[--out DIR] [--keep]``; prints the report (kept in ``benchmarks/results/corpus-import.txt``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from elm_desktop.corpus.labels import agreement
from elm_desktop.synth.tuh_layout import GROUND_TRUTH_NAME, read_ground_truth, write_tuh_archive


def _measure(argv: list[str]) -> None:
    """Wrapper mode: run one import as a child, print its wall seconds and peak RSS (KiB)."""
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"wall_s": wall, "peak_rss_kib": peak_kib}))


def _import_run(source: Path, out: Path, workers: int) -> dict:
    command = [sys.executable, "-m", "elm_desktop.cli", "corpus", "import", str(source)]
    command += ["--out", str(out), "--workers", str(workers)]
    wrapper = [sys.executable, __file__, "--measure", "--", *command]
    result = subprocess.run(wrapper, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _source_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _label_agreement(corpus: Path, archive: Path) -> dict:
    private = corpus.with_name(corpus.name + "-private")
    session_of = {}
    for line in (private / "sources.tsv").read_text().splitlines():
        item, path, _ = line.split("\t")
        session_of[item] = Path(path).name.rsplit("_", 1)[0]
    truth = {row["session"]: row for row in read_ground_truth(archive / GROUND_TRUTH_NAME)}
    pairs = []
    for line in (corpus / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        row = truth[session_of[entry["id"]]]
        # "normal" is the absence of "abnormal" here, as in an imported entry.
        expected = set(row["findings"]) - {"normal"} | ({"abnormal"} if row["abnormal"] else set())
        found = {f["name"] for f in entry["findings"]} | (
            {"abnormal"} if entry["abnormal"] else set()
        )
        pairs.append((expected, found))
    return {"recordings": len(pairs), "table": agreement(pairs)}


def _copy_rate(archive: Path, work: Path, repeats: int = 100) -> tuple[float, float]:
    """MB/s of the de-identified copy on one long file (a recording's data records repeated
    ``repeats`` times), and its size in MB; the source is in the page cache, so this is the
    copy's own cost, not the disk's read speed."""
    from elm_desktop.corpus.edf_copy import write_deidentified_copy
    from elm_desktop.signals import read_header

    # A session's second file: the bad sessions' defects are never there.
    source = next((archive / "edf").rglob("*_t001.edf"))
    data = source.read_bytes()
    header_bytes = int(data[184:192])
    n_records = int(data[236:244])
    long_file = work / "long.edf"
    body = data[header_bytes:] * repeats
    long_file.write_bytes(
        data[:236] + str(n_records * repeats).encode().ljust(8) + data[244:header_bytes] + body
    )
    header = read_header(long_file)
    start = time.perf_counter()
    write_deidentified_copy(header, work / "long-copy.edf", "")
    seconds = time.perf_counter() - start
    size_mb = long_file.stat().st_size / 1e6
    for path in (long_file, work / "long-copy.edf"):
        path.unlink()
    return size_mb / seconds, size_mb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    parser.add_argument("--project", type=int, default=26_000, help="sessions to project to")
    parser.add_argument("--project-tb", type=float, default=1.5, help="their size in TB")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("command", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure(args.command)
        return 0
    work = args.out or Path(tempfile.mkdtemp(prefix="bench-corpus-import-"))
    archive = work / "archive"
    start = time.perf_counter()
    if not (archive / GROUND_TRUTH_NAME).is_file():
        write_tuh_archive(archive, args.sessions, args.minutes, args.seed, workers=2)
    generated = time.perf_counter() - start
    source_mb = _source_bytes(archive / "edf") / 1e6
    lines = [
        f"corpus import on {args.sessions} synthetic TUH-layout sessions ({args.minutes:g} min "
        f"per recording, {source_mb:.0f} MB of EDF; generated in {generated:.0f} s)",
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; shared with other jobs while measured",
        "",
        "workers  wall_s  sessions/min  source MB/s  peak RSS of largest process (MiB)",
    ]
    rates = {}
    for workers in args.workers:
        out = work / f"corpus-w{workers}"
        for stale in (out, out.with_name(out.name + "-private")):
            shutil.rmtree(stale, ignore_errors=True)
        run = _import_run(archive / "edf", out, workers)
        rates[workers] = args.sessions / run["wall_s"] * 60
        lines.append(
            f"{workers:>7}  {run['wall_s']:6.1f}  {rates[workers]:12.1f}  "
            f"{source_mb / run['wall_s']:11.1f}  {run['peak_rss_kib'] / 1024:8.0f}"
        )
    corpus = work / f"corpus-w{args.workers[0]}"
    log = (corpus / "import.log").read_text().splitlines()
    lines += ["", f"import.log: {log[-1].lstrip('# ')}"]
    lines += [f"  {line}" for line in log[:-1]]
    labels = _label_agreement(corpus, archive)
    lines += [
        "",
        f"report-derived labels against the generator's ground truth ({labels['recordings']} "
        "imported recordings; findings extractor of elm_desktop.clinical.extract)",
        "finding                     truth  found  precision  recall",
    ]
    for name, row in labels["table"].items():
        lines.append(
            f"{name:<26}  {row['tp'] + row['fn']:5d}  {row['tp'] + row['fp']:5d}  "
            f"{row['precision']:9.2f}  {row['recall']:6.2f}"
        )
    copy_mb_s, copy_mb = _copy_rate(archive, work)
    best = max(rates, key=lambda w: rates[w] / w)
    per_worker = rates[best] / best  # sessions per minute per worker
    session_mb = source_mb / args.sessions
    tuh_session_mb = args.project_tb * 1e6 / args.project
    minutes_per_session = 1 / per_worker + (tuh_session_mb - session_mb) / copy_mb_s / 60
    lines += [
        "",
        f"de-identified copy of one {copy_mb:.0f} MB file (source in the page cache): "
        f"{copy_mb_s:.0f} MB/s",
        "",
        f"linear projection to {args.project:,} sessions ({args.project_tb:g} TB, "
        f"{tuh_session_mb:.0f} MB per session against {session_mb:.1f} MB here): this machine's "
        f"{per_worker:.1f} sessions/min per worker ({best} workers) plus the extra "
        f"{tuh_session_mb - session_mb:.0f} MB per session at the copy rate above, "
        f"{minutes_per_session * 60:.1f} s per session per worker; workers assumed independent "
        "(no shared-disk limit):",
        "workers   hours",
    ]
    for n in (1, 2, 8, 16, 32, 64):
        lines.append(f"{n:>7}   {args.project * minutes_per_session / n / 60:5.1f}")
    report = "\n".join(lines)
    print(report)
    if not args.keep and args.out is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
