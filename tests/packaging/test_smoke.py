"""The smoke test of the built desktop program, when ``make package`` has built it here."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
PROGRAM = CHECKOUT / "build" / "package" / "dist" / "elm-desktop" / "elm-desktop"


@pytest.mark.slow
@pytest.mark.skipif(not PROGRAM.exists(), reason="no desktop build: run `make package` first")
def test_packaging_smoke(tmp_path):
    env = os.environ | {"ELM_SMOKE_RESULTS": str(tmp_path / "packaging.txt")}
    result = subprocess.run(
        [str(CHECKOUT / "packaging" / "smoke.sh")],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "smoke: passed" in result.stdout
    assert "MiB unpacked" in (tmp_path / "packaging.txt").read_text()
