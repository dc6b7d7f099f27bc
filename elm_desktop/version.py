"""The program's version, written in this one place.

``pyproject.toml`` reads :data:`VERSION` from here (``[tool.setuptools.dynamic]``), and
everything that shows or records a version calls :func:`producer`: ``--version``, the window's
About box, the JSON and HTML outputs, and the ``created_by`` of an exported model bundle.
Release notes live in ``CHANGELOG.md``.
"""

from __future__ import annotations

VERSION = "0.1.0"
PROGRAM = "elm-desktop"


def producer() -> str:
    """Return the program name and version as outputs record them.

    Returns
    -------
    str
        For example ``"elm-desktop 0.1.0"``.
    """
    return f"{PROGRAM} {VERSION}"
