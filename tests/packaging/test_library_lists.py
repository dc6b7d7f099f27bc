"""Every place that lists Qt's system libraries names the same Debian and Fedora packages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from elm_desktop.gui.platform import SYSTEM_LIBRARIES

CHECKOUT = Path(__file__).resolve().parents[2]
DEBIAN = {deb for deb, _ in SYSTEM_LIBRARIES.values()}
FEDORA = {rpm for _, rpm in SYSTEM_LIBRARIES.values()}


def packages(text: str) -> set[str]:
    """Return the package names in a command line or list (the words that are not commands)."""
    return set(re.findall(r"[\w.+-]+", text)) - {"sudo", "apt-get", "dnf", "install", "Fedora"}


@pytest.mark.parametrize(
    ("path", "start", "end"),
    [
        (".ci/run", "missing=$(for p in", "; do"),
        ("README.md", "sudo apt-get install", "# Fedora"),
        ("packaging/linux/make-deb.sh", "Depends: libc6 (>= 2.28),", "\n"),
    ],
)
def test_debian_lists(path, start, end):
    text = (CHECKOUT / path).read_text()
    listed = text[text.index(start) + len(start) :]
    assert packages(listed[: listed.index(end)]) == DEBIAN


def test_fedora_list_in_the_readme():
    text = (CHECKOUT / "README.md").read_text()
    listed = text[text.index("# Fedora: sudo dnf install") :]
    assert packages(listed[: listed.index("```")]) == FEDORA
