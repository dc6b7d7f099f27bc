"""The start-up check of Qt's platform: one line and exit 2 instead of Qt's core dump."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from elm_desktop.gui.platform import install_hint, xcb_plugin

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 is Linux's")

HIDDEN = "libxcb-cursor.so.0"  # the library whose absence the issue met first

# Inside a private mount namespace, cover the library folder with a copy made of links to
# every file but the hidden library, so the loader finds everything else as before.
HIDE_SCRIPT = """
set -e
mkdir -p "$ORIG" "$FARM"
mount --bind "$LIBDIR" "$ORIG"
ln -s "$ORIG"/* "$FARM"/
rm -f "$FARM/$HIDDEN" "$FARM/$HIDDEN".*
mount --bind "$FARM" "$LIBDIR"
exec "$@"
"""


def gui_command(*args: str) -> list[str]:
    """Return the command line of ``elm-desktop gui`` run by this test's interpreter."""
    return [sys.executable, "-m", "elm_desktop.cli", "gui", *args]


def location(soname: str) -> Path | None:
    """Return where the loader finds ``soname`` for Qt's xcb plugin, or None if it does not."""
    plugin = xcb_plugin(os.environ)
    assert plugin is not None, "PySide6 ships the xcb plugin on Linux"
    listing = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout
    match = re.search(rf"^\s*{re.escape(soname)} => (/\S+)", listing, re.MULTILINE)
    return Path(match.group(1)).resolve() if match else None


def run_without(soname: str, command: list[str], tmp_path: Path, env: dict[str, str]):
    """Run ``command`` with ``soname`` removed from the loader's search path."""
    found = location(soname)
    if found is None:  # not installed here: the machine itself hides it
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    if shutil.which("unshare") is None or subprocess.run(["unshare", "--mount", "true"]).returncode:
        pytest.skip(f"{soname} is installed and hiding it needs a private mount namespace (root)")
    env = env | {
        "LIBDIR": str(found.parent),
        "ORIG": str(tmp_path / "orig"),
        "FARM": str(tmp_path / "farm"),
        "HIDDEN": soname,
    }
    hide = ["unshare", "--mount", "sh", "-c", HIDE_SCRIPT, "sh", *command]
    return subprocess.run(hide, capture_output=True, text=True, env=env, timeout=120)


def test_a_missing_xcb_library_gives_one_line_and_exit_2(tmp_path):
    # The display need not exist: the check runs before Qt connects to it.
    env = os.environ | {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":99"}
    result = run_without(HIDDEN, gui_command("--demo"), tmp_path, env)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert HIDDEN in lines[0]
    assert "sudo apt-get install" in lines[0] and "libxcb-cursor0" in lines[0]
    assert "sudo dnf install" in lines[0] and "xcb-util-cursor" in lines[0]


def test_no_display_gives_one_line_and_exit_2():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = ""  # what `make run` sets: Qt's own choice, xcb on X11
    result = subprocess.run(gui_command(), capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "elm-desktop: error: no X display (DISPLAY is not set): start the program in a desktop "
        "session, under xvfb-run, or with QT_QPA_PLATFORM=offscreen for --screenshot"
    ]


def test_the_hint_names_each_package_once():
    hint = install_hint(["libxcb-randr.so.0", "libxcb-shape.so.0", "libxcb-icccm.so.4"])
    assert "apt-get install libxcb-randr0 libxcb-shape0 libxcb-icccm4`" in hint
    assert "dnf install libxcb xcb-util-wm`" in hint


def test_a_library_the_table_does_not_know_is_still_named():
    assert install_hint(["libQt6XcbQpa.so.6"]) == "missing system libraries libQt6XcbQpa.so.6"


def test_a_display_that_does_not_answer_gives_one_line_and_exit_2():
    env = os.environ | {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":87"}  # no X server there
    result = subprocess.run(gui_command(), capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "elm-desktop: error: cannot connect to the X display ':87': is the X server running and "
        "may this user open windows on it (xhost, XAUTHORITY)?"
    ]


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs Xvfb (Debian: xvfb)")
def test_the_window_opens_on_an_x_display(tmp_path):
    """What `make run` does on a machine with a display: Qt's own platform choice, xcb."""
    from tests.gui.conftest import write_edf

    edf = write_edf(tmp_path / "short.edf", seconds=20, n_annotations=0)
    env = os.environ | {"QT_QPA_PLATFORM": ""}
    command = ["xvfb-run", "-a", *gui_command(str(edf), "--exit-after-first-page")]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("first page drawn at ")
