"""A synthetic archive in TUH layout (identity in headers and reports, a few bad files) and
one clean import of it, shared by the corpus tests."""

from __future__ import annotations

import pytest

from elm_desktop.corpus import import_corpus
from elm_desktop.synth.tuh_layout import write_tuh_archive

N_SESSIONS = 24


@pytest.fixture(scope="session")
def tuh_archive(tmp_path_factory):
    """The archive folder; its ``ground_truth.jsonl`` lies beside ``edf/``."""
    root = tmp_path_factory.mktemp("tuh-archive")
    write_tuh_archive(root, N_SESSIONS, minutes=1.0, seed=3, workers=2)
    return root


@pytest.fixture(scope="session")
def imported(tuh_archive, tmp_path_factory):
    """(corpus folder, private folder, summary) of one clean import with two workers."""
    base = tmp_path_factory.mktemp("imported")
    out, private = base / "corpus", base / "private"
    summary = import_corpus(tuh_archive / "edf", out, workers=2, private=private)
    return out, private, summary
