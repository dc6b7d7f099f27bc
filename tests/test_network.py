"""No network from any library: analyze, archive add and the GUI under ``strace``.

onnxruntime 1.29+ resolves its telemetry host about 9 s after a process starts and queues events
under ``~/.cache/Microsoft/DeveloperTools/`` (see ``elm_desktop/runtime/offline_ort.py``). Each
command here runs in a fresh process with a temporary HOME, is held open for longer than that
delay, and is traced with ``strace -f -e trace=connect``: every connect() that is not to a Unix
socket counts. A positive control, a bare onnxruntime session in the same environment, shows the
trace does see the telemetry when nothing switches it off.

``benchmarks/bench_network.py`` runs the issue's full sizes (a one-hour file, 30 files, the GUI
for 60 s, a PostgreSQL archive) with the same helpers.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

STRACE = shutil.which("strace") or "/usr/bin/strace"
#: Seconds each traced process stays alive: past onnxruntime's telemetry delay (about 9 s).
HOLD_S = 14.0
TELEMETRY_QUEUE = Path(".cache") / "Microsoft"

# Variables under which onnxruntime suppresses its telemetry by itself (continuous-integration
# markers and its own switches): removed from the children so the test sees the real default.
_SUPPRESSING = re.compile(
    r"^(CI|TF_BUILD|GITHUB_ACTIONS|GITLAB_CI|CIRCLECI|TRAVIS|JENKINS_URL|CODEBUILD_BUILD_ID|"
    r"BUILDKITE|TEAMCITY_VERSION|APPVEYOR|BITBUCKET_BUILD_NUMBER|SYSTEM_TEAMFOUNDATION.*|ORT_.*)$"
)

# Runs `elm-desktop ARGS...` in this process and keeps it alive until HOLD seconds after start;
# the GUI is closed by a timer at the same moment (a clean exit, so exit-time uploads show too).
_DRIVER = """
import sys, time
started = time.monotonic()
hold_s, argv = float(sys.argv[1]), sys.argv[2:]
if argv[0] == "gui":
    from PySide6.QtCore import QTimer
    from elm_desktop.gui.app import application
    QTimer.singleShot(int(hold_s * 1000), application().quit)
from elm_desktop.cli import main
status = main(argv)
time.sleep(max(0.0, hold_s - (time.monotonic() - started)))
sys.exit(status)
"""

# The positive control: onnxruntime imported bare, one session, the same hold.
_BARE_ORT = """
import sys, time
import onnxruntime as ort
ort.InferenceSession(sys.argv[2], providers=["CPUExecutionProvider"])
time.sleep(float(sys.argv[1]))
"""


@dataclass
class Trace:
    """What one traced process did on the network and on disk."""

    returncode: int
    connects: list[str]  # connect() lines of the trace that are not AF_UNIX
    queued: list[str]  # files under HOME/.cache/Microsoft
    stderr: str


def child_env(home: Path, data: Path) -> dict[str, str]:
    """This environment without telemetry suppressors, with a fresh HOME and data folder."""
    env = {k: v for k, v in os.environ.items() if not _SUPPRESSING.match(k)}
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        ELM_DESKTOP_DATA=str(data),
        QT_QPA_PLATFORM="offscreen",
    )
    return env


def start_traced(args: list[str], workdir: Path) -> tuple[subprocess.Popen, Path, Path]:
    """Start ``args`` under strace with its own HOME in ``workdir``; return (process, log, home)."""
    home, data = workdir / "home", workdir / "data"
    home.mkdir(parents=True)
    data.mkdir()
    log = workdir / "connect.trace"
    process = subprocess.Popen(
        [STRACE, "-f", "-qq", "-e", "trace=connect", "-o", str(log), *args],
        env=child_env(home, data),
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, log, home


def finish_traced(started: tuple[subprocess.Popen, Path, Path], timeout_s: float) -> Trace:
    """Wait for a process from :func:`start_traced` and read its trace and its HOME."""
    process, log, home = started
    _, stderr = process.communicate(timeout=timeout_s)
    lines = log.read_text().splitlines() if log.exists() else []
    queue = home / TELEMETRY_QUEUE
    return Trace(
        returncode=process.returncode,
        connects=[line for line in lines if "connect(" in line and "AF_UNIX" not in line],
        queued=sorted(str(p.relative_to(home)) for p in queue.rglob("*")) if queue.exists() else [],
        stderr=stderr,
    )


def elm_desktop_held(argv: list[str], hold_s: float = HOLD_S) -> list[str]:
    """The command line that runs ``elm-desktop ARGV`` and holds the process ``hold_s`` s."""
    return [sys.executable, "-c", _DRIVER, str(hold_s), *argv]


def bare_onnxruntime(graph: Path, hold_s: float = HOLD_S) -> list[str]:
    """The command line of the positive control (onnxruntime without the program)."""
    return [sys.executable, "-c", _BARE_ORT, str(hold_s), str(graph)]


def strace_works() -> bool:
    """Whether strace can trace a child here (absent, or ptrace forbidden in some containers)."""
    try:
        return subprocess.run([STRACE, "-qq", "-e", "trace=connect", "true"]).returncode == 0
    except OSError:
        return False


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    """Three 2-minute recordings with reports (archive add) and one of 10 minutes (analyze)."""
    from elm_desktop.synth import generate_corpus

    folder = tmp_path_factory.mktemp("network-corpus")
    generate_corpus(folder / "archive-in", n=3, minutes=2, seed=5, workers=1)
    generate_corpus(folder / "long", n=1, minutes=10, seed=6, workers=1)
    long_file = next((folder / "long").rglob("*.edf"))
    return folder / "archive-in", long_file


@pytest.mark.slow
@pytest.mark.skipif(not strace_works(), reason="strace is not installed or cannot trace")
def test_no_connect_and_no_telemetry_queue(recordings, elm_bundle, tmp_path):
    archive_in, long_file = recordings
    model = ["--model", str(elm_bundle)]
    commands = {
        "control": bare_onnxruntime(Path(elm_bundle) / "eeg_encoder.onnx"),
        "analyze": elm_desktop_held(
            ["analyze", str(long_file), *model, "--json", str(tmp_path / "out.json")]
        ),
        "archive add": elm_desktop_held(
            ["archive", "add", str(archive_in), *model, "--archive", str(tmp_path / "a.sqlite")]
        ),
        "gui": elm_desktop_held(["gui", str(long_file), *model, "--analyze"]),
    }
    # All at once: each is held past the telemetry delay anyway.
    started = {
        name: start_traced(argv, tmp_path / name.replace(" ", "-"))
        for name, argv in commands.items()
    }
    traces = {name: finish_traced(run, timeout_s=600) for name, run in started.items()}

    control = traces.pop("control")
    assert control.connects or control.queued, (
        "the positive control made no connect() and queued nothing: this onnxruntime shows no "
        "telemetry here, so this test cannot show that the program switches it off"
    )
    for name, trace in traces.items():
        assert trace.returncode == 0, f"{name} failed: {trace.stderr[-2000:]}"
        assert trace.connects == [], f"{name} connected outside Unix sockets: {trace.connects}"
        assert trace.queued == [], f"{name} wrote under ~/.cache/Microsoft: {trace.queued}"
    assert (tmp_path / "out.json").stat().st_size > 0


def test_runtime_sets_the_switch_before_onnxruntime_loads(tmp_path):
    """Importing the runtime in a fresh process leaves the telemetry variable set, no warning."""
    code = (
        "import os, sys, warnings; warnings.simplefilter('error');"
        "import elm_desktop.runtime;"
        "print(os.environ.get('ORT_DISABLE_TELEMETRY'), 'onnxruntime' in sys.modules)"
    )
    env = child_env(tmp_path, tmp_path)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "True"]
