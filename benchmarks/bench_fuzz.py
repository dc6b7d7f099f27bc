"""Fuzzing of the recording readers: header mutants, truncations and annotation junk.

Builds small synthetic recordings (``elm_desktop.synth``: EDF+C, and the same as BDF+C and as
plain EDF without annotations), then writes mutants of them one at a time and runs each through
``elm-desktop info``'s reading path (:func:`elm_desktop.cli.recording.describe`, whose facts
must make valid JSON) and the sample-reading path (:func:`~elm_desktop.signals.open_recording`,
every sample read, then the first display page in the TCP montage with LFF 1 Hz, HFF 70 Hz and
a 50 Hz notch, whose rows that need an absent electrode are NaN by design and not counted).
Each mutant ends in one of:

- ``read``: read, every number finite (warnings counted apart);
- ``refused``: one :class:`~elm_desktop.errors.ElmError` with a one-line message (by class);
- ``unexpected``: any other exception, or an ElmError whose message is not one line (by kind);
- ``non-finite``: read, but a sample, a duration, a rate or an annotation is NaN or infinite;
- ``hang``: still running after ``--timeout`` seconds (a per-file SIGALRM timer).

Mutants (seeded, so a run is reproducible): header fields set to odd numbers (NaN, inf,
1e309, hex, underscores, fractions, zero, negatives, huge), to random text or bytes, pairs of
fields, byte flips, a swapped version field, bytes appended after the data; truncations at
random lengths; annotation (TAL) bytes replaced by junk in the record layout.

Usage: ``python benchmarks/bench_fuzz.py [--header 13300] [--truncations 2100] [--tal 1200]
[--appended 500] [--seed 0] [--timeout 10]``; prints the counts (kept in
``benchmarks/results/fuzz.txt``). Exit status 1 when anything but ``read`` or ``refused`` came
out.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import platform
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from elm_desktop.cli.recording import describe
from elm_desktop.errors import ElmError
from elm_desktop.signals import DisplayFilter, open_recording, read_page
from elm_desktop.signals.edf_header import MAIN_FIELDS, SIGNAL_FIELDS
from elm_desktop.synth import Patient, sample_spec, write_recording

MAIN_NUMBERS = (
    "header bytes",
    "number of data records",
    "data record duration",
    "number of signals",
)
SIGNAL_NUMBERS = (
    "physical minimum",
    "physical maximum",
    "digital minimum",
    "digital maximum",
    "samples per record",
)
ODD_NUMBERS = (
    "inf", "-inf", "+inf", "Infinity", "nan", "NaN", "-nan", "1e309", "-1e309", "1e308",
    "-1e308", "9e307", "1e-320", "1e-400", "1e99999", "0", "-0", "0.0", "-1", "-2", "1",
    "0.5", "1.5", "2.5e2", "1e3", "1E+2", "0x10", "1_000", "+5", ".5", "5.", "--1", "1e", "e5",
    " ", "", "\u0663", "99999999", "-9999999", "32767", "-32768", "32768", "-32769",
    "8388607", "-8388608", "8388608", "65535", "1e-6", "1e-7", "1e-9", "100000", "1e6",
)  # fmt: skip
OUTCOMES = ("read", "refused", "unexpected", "non-finite", "hang")
TAL_ALPHABET = b"+-.0123456789eE\x14\x15\x00 abc"


@dataclass(frozen=True)
class Layout:
    """An EDF/BDF file as named header fields and raw per-signal record bytes."""

    main: dict[str, bytes]
    signals: tuple[dict[str, bytes], ...]
    records: tuple[tuple[bytes, ...], ...]  # [record][signal]

    def to_bytes(self) -> bytes:
        head = b"".join(self.main[name].ljust(width)[:width] for name, width in MAIN_FIELDS)
        for name, width in SIGNAL_FIELDS:
            head += b"".join(s[name].ljust(width)[:width] for s in self.signals)
        return head + b"".join(b"".join(record) for record in self.records)


def parse(content: bytes) -> Layout:
    """Split a well-formed file into a :class:`Layout`."""
    main, at = {}, 0
    for name, width in MAIN_FIELDS:
        main[name] = content[at : at + width].rstrip()
        at += width
    n = int(main["number of signals"])
    columns = {}
    for name, width in SIGNAL_FIELDS:
        columns[name] = [content[at + i * width : at + (i + 1) * width].rstrip() for i in range(n)]
        at += width * n
    signals = tuple({name: columns[name][i] for name, _ in SIGNAL_FIELDS} for i in range(n))
    sample_bytes = 3 if content[:1] == b"\xff" else 2
    sizes = [int(s["samples per record"]) * sample_bytes for s in signals]
    records = []
    for _ in range(int(main["number of data records"])):
        record = []
        for size in sizes:
            record.append(content[at : at + size])
            at += size
        records.append(tuple(record))
    return Layout(main, signals, tuple(records))


def as_bdf(layout: Layout) -> Layout:
    """The same recording as a 24-bit BDF+ file (samples x 256, annotations re-padded)."""
    signals, records = [], [list(r) for r in layout.records]
    for k, s in enumerate(layout.signals):
        annotation = s["label"] == b"EDF Annotations"
        if not annotation:
            s = s | {"digital minimum": b"-8388608", "digital maximum": b"8388607"}
        signals.append(s | ({"label": b"BDF Annotations"} if annotation else {}))
        for record in records:
            if annotation:
                record[k] = record[k].ljust(len(record[k]) * 3 // 2, b"\x00")
            else:
                wide = np.frombuffer(record[k], "<i2").astype("<i4") * 256
                record[k] = wide.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    main = layout.main | {"version": b"\xffBIOSEMI", "reserved": b"BDF+C"}
    return Layout(main, tuple(signals), tuple(tuple(r) for r in records))


def without_annotations(layout: Layout) -> Layout:
    """The same recording as plain EDF: the annotation signal removed."""
    keep = [i for i, s in enumerate(layout.signals) if s["label"] != b"EDF Annotations"]
    main = layout.main | {
        "reserved": b"",
        "number of signals": str(len(keep)).encode(),
        "header bytes": str(256 * (len(keep) + 1)).encode(),
    }
    return Layout(
        main,
        tuple(layout.signals[i] for i in keep),
        tuple(tuple(r[i] for i in keep) for r in layout.records),
    )


def base_layouts(folder: Path) -> dict[str, Layout]:
    """Synthetic recordings to mutate: EDF+C (TUH names), BDF+C, plain EDF (10-20 names)."""
    patient = Patient("fuzz-1", 45.0, "M", "focal_epileptiform", "left temporal")
    layouts = {}
    for name, naming, seed in (("edf+c", "tuh", 1), ("edf", "1020", 2)):
        spec = sample_spec(np.random.default_rng(seed), "fuzz", patient, 10.0, 256, naming)
        path = write_recording(folder / f"{name}.edf", spec, seed)
        layouts[name] = parse(path.read_bytes())
    layouts["bdf+c"] = as_bdf(layouts["edf+c"])
    layouts["edf"] = without_annotations(layouts["edf"])
    return layouts


def odd_number(rng: np.random.Generator) -> bytes:
    """A number as a header field might hold it: odd values, random integers or floats."""
    kind = rng.integers(4)
    if kind == 0:
        return ODD_NUMBERS[rng.integers(len(ODD_NUMBERS))].encode()
    if kind == 1:
        return str(int(rng.integers(-(10**9), 10**9))).encode()
    with np.errstate(over="ignore"):  # infinity is one of the values wanted
        value = float(np.exp(rng.uniform(-800, 800)) * rng.choice([-1, 1]))
    return (f"{value:g}" if kind == 2 else repr(value)).encode()


def random_text(rng: np.random.Generator, width: int) -> bytes:
    if rng.integers(2):
        return rng.integers(0, 256, int(rng.integers(0, width + 1)), np.uint8).tobytes()
    return rng.integers(0x20, 0x7F, int(rng.integers(0, width + 1)), np.uint8).tobytes()


def header_mutant(layout: Layout, rng: np.random.Generator) -> tuple[str, bytes]:
    """One header mutation of ``layout``: (what was done, the file's bytes)."""
    operator = rng.integers(7)
    k = int(rng.integers(len(layout.signals)))
    signals = list(layout.signals)
    if operator == 0:
        field = MAIN_NUMBERS[rng.integers(len(MAIN_NUMBERS))]
        value = odd_number(rng)
        return f"{field} = {value!r}", replace(layout, main=layout.main | {field: value}).to_bytes()
    if operator == 1:
        field = SIGNAL_NUMBERS[rng.integers(len(SIGNAL_NUMBERS))]
        value = odd_number(rng)
        signals[k] = signals[k] | {field: value}
        return f"{field} of signal {k} = {value!r}", replace(
            layout, signals=tuple(signals)
        ).to_bytes()
    if operator == 2:  # the same value in every signal
        field = SIGNAL_NUMBERS[rng.integers(len(SIGNAL_NUMBERS))]
        value = odd_number(rng)
        signals = [s | {field: value} for s in signals]
        return f"{field} of all = {value!r}", replace(layout, signals=tuple(signals)).to_bytes()
    if operator == 3:  # a pair of fields that are used together
        pair = ("physical minimum", "physical maximum")
        if rng.integers(2):
            pair = ("digital minimum", "digital maximum")
        values = (odd_number(rng), odd_number(rng))
        signals[k] = signals[k] | dict(zip(pair, values, strict=True))
        return f"{pair} of signal {k} = {values!r}", replace(
            layout, signals=tuple(signals)
        ).to_bytes()
    if operator == 4:  # any field, random text or bytes
        if rng.integers(2):
            field, width = MAIN_FIELDS[rng.integers(len(MAIN_FIELDS))]
            value = random_text(rng, width)
            return f"{field} = {value!r}", replace(
                layout, main=layout.main | {field: value}
            ).to_bytes()
        field, width = SIGNAL_FIELDS[rng.integers(len(SIGNAL_FIELDS))]
        value = random_text(rng, width)
        signals[k] = signals[k] | {field: value}
        return f"{field} of signal {k} = {value!r}", replace(
            layout, signals=tuple(signals)
        ).to_bytes()
    if operator == 5:  # byte flips anywhere in the header
        content = bytearray(layout.to_bytes())
        header_bytes = 256 * (len(layout.signals) + 1)
        where = rng.integers(0, header_bytes, int(rng.integers(1, 9)))
        for at in where:
            content[at] = int(rng.integers(256))
        return f"bytes {sorted(where.tolist())} flipped", bytes(content)
    version = (b"0", b"\xffBIOSEMI", b"1", b"\xff", b"")[rng.integers(5)]
    return f"version = {version!r}", replace(
        layout, main=layout.main | {"version": version}
    ).to_bytes()


def truncation(layout: Layout, rng: np.random.Generator) -> tuple[str, bytes]:
    content = layout.to_bytes()
    header_bytes = 256 * (len(layout.signals) + 1)
    # Half the cuts inside the header, half inside the data.
    length = int(
        rng.integers(0, header_bytes)
        if rng.integers(2)
        else rng.integers(header_bytes, len(content))
    )
    return f"cut at {length} of {len(content)}", content[:length]


def tal_junk(layout: Layout, rng: np.random.Generator) -> tuple[str, bytes]:
    """Annotation bytes of some records replaced by junk of the same length."""
    k = next(i for i, s in enumerate(layout.signals) if s["label"].endswith(b"Annotations"))
    records = [list(r) for r in layout.records]
    size = len(records[0][k])
    kind = int(rng.integers(4))
    chosen = rng.choice(len(records), int(rng.integers(1, len(records) + 1)), replace=False)
    for r in chosen:
        if kind == 0:
            junk = rng.integers(0, 256, size, np.uint8).tobytes()
        elif kind == 1:
            alphabet = np.frombuffer(TAL_ALPHABET, np.uint8)
            junk = alphabet[rng.integers(len(alphabet), size=size)].tobytes()
        elif kind == 2:  # TAL openings without an end
            junk = (b"+1\x14" * size)[:size]
        else:  # TALs with numbers no float holds, or no number at all
            pieces = [b"+" + b"9" * int(rng.integers(1, size)), b"+inf", b"+nan", b"-1e999", b"+"]
            piece = pieces[rng.integers(len(pieces))]
            junk = (piece + b"\x15" + piece[1:] + b"\x14text\x14\x00")[:size]
        records[r][k] = junk[:size].ljust(size, b"\x00")
    layout = replace(layout, records=tuple(tuple(r) for r in records))
    return f"TAL junk kind {kind} in records {sorted(chosen.tolist())}", layout.to_bytes()


def appended(layout: Layout, rng: np.random.Generator) -> tuple[str, bytes]:
    """Bytes after the declared records: random, or whole records of junk."""
    content = layout.to_bytes()
    record_bytes = sum(len(b) for b in layout.records[0])
    n = (
        int(rng.integers(1, 3 * record_bytes))
        if rng.integers(2)
        else record_bytes * int(rng.integers(1, 11))
    )
    return f"{n} bytes appended", content + rng.integers(0, 256, n, np.uint8).tobytes()


class Hang(Exception):
    """The per-file timer fired."""


def _alarm(signum, frame):
    raise Hang


def probe(path: Path) -> tuple[str, str]:
    """Run one file through both reading paths: (outcome, detail)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            facts = describe(path, phi=True)
            rec = open_recording(path)
            samples = rec.read_samples(0, rec.n_samples)
            page = read_page(rec, 0.0, 10.0, "tcp-elm", DisplayFilter(1.0, 70.0, 50.0))
    except Hang:
        return "hang", ""
    except ElmError as error:
        if "\n" in str(error) or not str(error):
            return "unexpected", f"{type(error).__name__} message not one line"
        return "refused", type(error).__name__
    except Exception as error:
        return "unexpected", f"{type(error).__name__}: {' '.join(str(error).split())[:160]}"
    numbers = [facts["duration_s"], facts["sfreq"], rec.duration, rec.sfreq]
    numbers += [c["sfreq"] for c in facts["channels"]]
    numbers += [v for a in facts["annotations"] for v in (a["onset_s"], a["duration_s"])]
    finite = np.isfinite(samples).all() and np.isfinite(page.data[page.available]).all()
    if not (finite and all(math.isfinite(v) for v in numbers)):
        return "non-finite", ""
    try:
        json.dumps(facts, allow_nan=False)  # what info --json prints must be valid JSON
    except ValueError:
        return "non-finite", "in the JSON"
    # getattr: so the harness also runs on code from before Recording.warnings, for comparison
    return "read", "with warnings" if getattr(rec, "warnings", ()) else ""


def run(
    make: Callable[[Layout, np.random.Generator], tuple[str, bytes]],
    count: int,
    layouts: dict[str, Layout],
    rng: np.random.Generator,
    folder: Path,
    timeout: float,
) -> tuple[collections.Counter, dict[str, str], float, float]:
    outcomes: collections.Counter = collections.Counter()
    examples: dict[str, str] = {}
    names = sorted(layouts)
    path = folder / "mutant.edf"
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(count):
        base = names[i % len(names)]
        what, content = make(layouts[base], rng)
        path.write_bytes(content)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            outcome, detail = probe(path)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        key = f"{outcome}: {detail}" if detail else outcome
        outcomes[key] += 1
        if outcome in ("unexpected", "non-finite", "hang"):
            examples.setdefault(key, f"{base}, {what}")
    return outcomes, examples, time.perf_counter() - start, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--header", type=int, default=13_300, help="header mutants")
    parser.add_argument("--truncations", type=int, default=2_100)
    parser.add_argument("--tal", type=int, default=1_200, help="annotation junk mutants")
    parser.add_argument("--appended", type=int, default=500, help="files with bytes appended")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per file = hang")
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    rng = np.random.default_rng(args.seed)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(
        f"bench_fuzz: {platform.machine()}, Python {platform.python_version()}, commit "
        f"{commit or '?'}, seed {args.seed}, per-file timeout {args.timeout:g} s"
    )
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        layouts = base_layouts(folder)
        print(
            "bases: "
            + ", ".join(
                f"{n} ({len(layout.to_bytes())} bytes)" for n, layout in sorted(layouts.items())
            )
        )
        tal_layouts = {n: v for n, v in layouts.items() if n != "edf"}
        for kind, make, count, bases in (
            ("header mutants", header_mutant, args.header, layouts),
            ("truncations", truncation, args.truncations, layouts),
            ("TAL junk", tal_junk, args.tal, tal_layouts),
            ("bytes appended", appended, args.appended, layouts),
        ):
            outcomes, examples, seconds, cpu = run(make, count, bases, rng, folder, args.timeout)
            print(f"\n== {kind}: {count} files, {seconds:.1f} s wall, {cpu:.1f} s CPU ==")
            totals = collections.Counter()
            for key, n in outcomes.items():
                totals[key.split(":")[0]] += n
            print("  " + ", ".join(f"{o} {totals[o]}" for o in OUTCOMES))
            for key, n in sorted(
                outcomes.items(), key=lambda item: (item[0].split(":")[0], -item[1])
            ):
                print(f"  {n:6d}  {key}")
            for key, example in examples.items():
                print(f"  example of {key!r}: {example}")
            failures += sum(
                n for key, n in outcomes.items() if not key.startswith(("read", "refused"))
            )
    print(f"\nunexpected exceptions + non-finite + hangs: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
