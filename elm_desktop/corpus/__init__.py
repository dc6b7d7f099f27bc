"""A department's archive folder -> a training corpus (``elm-desktop corpus import``).

Layer: above :mod:`elm_desktop.clinical` (its findings extractor labels the reports) and
:mod:`elm_desktop.archive` (its rule for identifying header words), below the command line;
torch-free, so an archive is imported where the recordings are, not where training runs.
"""

from elm_desktop.corpus.importer import ImportSummary, default_private_dir, import_corpus
from elm_desktop.corpus.layout import LAYOUTS, Session, iter_sessions

__all__ = [
    "LAYOUTS",
    "ImportSummary",
    "Session",
    "default_private_dir",
    "import_corpus",
    "iter_sessions",
]
