"""Stripping identity from what an import writes: opaque ids and report text.

Patient, session and recording ids become keyed hashes (HMAC-SHA256 under a key kept outside
the corpus), so the same archive imported again with the same key gives the same ids while
nobody holding only the corpus can recompute them from a patient code. Report text is
scrubbed as the archive scrubs it (:func:`~elm_desktop.archive.report_scrub.scrub_report`),
with the EDF header's identifying words (:func:`header_tokens`).
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
from pathlib import Path

from elm_desktop.archive.deidentify import identifying_tokens
from elm_desktop.errors import ConfigError
from elm_desktop.signals import PatientFields

#: Hex digits of an opaque id (64 bits: no collision expected among millions of recordings).
ID_DIGITS = 16


def load_key(path: Path) -> bytes:
    """Return the import key kept at ``path``, creating a new random one (mode 0600) if absent.

    Raises
    ------
    ConfigError
        If the file exists but does not hold a key written by this function.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".part")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as stream:
            stream.write(secrets.token_hex(32) + "\n")
        os.replace(temporary, path)
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError(f"{path} is not an import key ({error}); give another --key") from error
    if len(key) < 16:
        raise ConfigError(f"{path} holds a key of {len(key)} bytes; an import key has 32")
    return key


def opaque_id(key: bytes, kind: str, value: str) -> str:
    """Return the keyed hash of ``value`` (a patient code, a session) as :data:`ID_DIGITS` hex."""
    digest = hmac.new(key, f"{kind}\x00{value}".encode(), "sha256").hexdigest()
    return digest[:ID_DIGITS]


def header_tokens(fields: PatientFields) -> list[str]:
    """Identifying words of an EDF header: the archive's patient words, plus the recording
    field's hospital code and technician (EDF+ ``Startdate date code technician equipment``)."""
    words = identifying_tokens(fields)
    parts = fields.recording.split()
    if parts[:1] == ["Startdate"]:
        words += [w for p in parts[2:4] for w in re.split(r"[_,^]+", p)]
    return [w for w in words if len(w) >= 3 and w.upper() != "X"]
