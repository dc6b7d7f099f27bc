"""The wheel works outside the checkout: built here, installed into a fresh virtualenv.

The wheel is built from this checkout (``pip wheel --no-build-isolation``, so no build tool is
fetched) and installed with its dependencies into a new virtualenv in a temporary folder, from
the package index pip is configured with (a local mirror on CI; never PyPI at run time). Every
command then runs from that folder, with no path into the checkout, as a user's would.

Building and installing take minutes (most of it unpacking onnxruntime and Qt), hence ``slow``:
``make test`` (and so ``.ci/run``) runs it; ``pytest -m "not slow"`` leaves it out.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from elm_desktop.paths import default_bundle
from elm_desktop.version import producer

pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).resolve().parents[2]


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 900):
    """Run ``command``; fail the test with its output if it fails."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{command} -> {result.returncode}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtualenv outside the checkout with the wheel built from it installed."""
    if not (default_bundle() / "manifest.json").exists():
        pytest.fail("the wheel ships the demo model bundle: run `make bundle` first")
    root = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["-w", str(root / "dist"), str(CHECKOUT)],
        cwd=root,
        env=env,
    )
    (wheel,) = (root / "dist").glob("elm_desktop-*.whl")
    run([sys.executable, "-m", "venv", str(root / "venv")], cwd=root, env=env)
    venv_bin = root / "venv" / "bin"
    run([str(venv_bin / "pip"), "install", "-q", "--no-compile", str(wheel)], cwd=root, env=env)
    env |= {
        "PATH": f"{venv_bin}{os.pathsep}/usr/bin:/bin",
        "ELM_DESKTOP_DATA": str(root / "data"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    return root, venv_bin, env


def test_the_package_is_imported_from_the_virtualenv(installed):
    root, venv_bin, env = installed
    where = run(
        [str(venv_bin / "python"), "-c", "import elm_desktop; print(elm_desktop.__file__)"],
        cwd=root,
        env=env,
    ).stdout.strip()
    assert Path(where).is_relative_to(root / "venv")
    assert not Path(where).is_relative_to(CHECKOUT)


def test_training_commands_say_what_they_need(installed):
    root, venv_bin, env = installed
    result = subprocess.run(
        [str(venv_bin / "elm-desktop"), "train", "--config", "absent.toml"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "elm-desktop: error: train needs the training code and torch (torch is not installed): "
        "pip install 'elm-desktop[train]' into a Python environment"
    ]


def test_version(installed):
    root, venv_bin, env = installed
    result = run([str(venv_bin / "elm-desktop"), "--version"], cwd=root, env=env)
    assert result.stdout.strip() == producer()


def test_demo_analyze_and_screenshot(installed):
    root, venv_bin, env = installed
    elm = str(venv_bin / "elm-desktop")
    demo = run([elm, "demo"], cwd=root, env=env).stdout
    recording = Path(next(line for line in demo.splitlines() if line.endswith(".edf")))
    assert recording.is_file() and recording.is_relative_to(root / "data")
    archive = root / "data" / "demo" / "archive.sqlite"
    assert archive.is_file(), demo  # the prior cases were encoded with the shipped model

    analyze = [elm, "analyze", str(recording), "--archive", str(archive)]
    run([*analyze, "--json", "out.json", "--html", "out.html"], root, env)
    result = json.loads((root / "out.json").read_text())
    scores = [finding["probability"] for finding in result["findings"]]
    assert len(scores) >= 15 and all(0 <= p <= 1 for p in scores)
    assert result["similar_cases"], "the demo archive's prior cases are searched"
    assert (root / "out.html").stat().st_size > 0

    run([elm, "gui", "--demo", "--screenshot", "window.png"], cwd=root, env=env)
    assert not_blank(root / "window.png")


def not_blank(png: Path) -> bool:
    """Return whether the picture holds more than a handful of colours (traces, text, panels)."""
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    step = max(1, math.isqrt(image.width() * image.height() // 40_000))
    colours = {
        image.pixel(x, y)
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    }
    return image.width() > 0 and len(colours) > 50
