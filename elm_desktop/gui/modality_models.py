"""The window's model of each modality: the bundle its recordings are scored with, the engine
loaded from it on first use, the findings its scores are read with, and its case archive.

The window keeps one :class:`ModalityModel` per entry of the modality registry
(:data:`elm_desktop.modalities.ANALYSES`) and takes the one of the open recording's modality,
so an ECG is never scored, drafted, matched or archived with the EEG model or archive, nor an
EEG with the ECG's; a third modality is a third entry.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from elm_desktop.analysis import provenance
from elm_desktop.clinical.knowledge import KnowledgeBase
from elm_desktop.modalities import ANALYSES, ModalityAnalysis
from elm_desktop.paths import default_archive
from elm_desktop.runtime.bundle import MANIFEST

if TYPE_CHECKING:
    from elm_desktop.runtime import Engine


@dataclass
class ModalityModel:
    """One modality's model at the workstation.

    Attributes
    ----------
    analysis : ModalityAnalysis
        The registry's entry (what a recording of the modality is analysed with).
    bundle_path : Path
        The model bundle its recordings are scored with.
    archive_path : Path
        The SQLite case archive of its prior cases (an archive holds one model's embeddings).
    engine : Engine or None
        The bundle's engine once :meth:`load` has run.
    """

    analysis: ModalityAnalysis
    bundle_path: Path
    archive_path: Path
    engine: Engine | None = None
    _knowledge_base: KnowledgeBase | None = field(default=None, init=False, repr=False)
    # An analysis cancelled while loading may still be loading when the next one starts.
    _loading: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def knowledge_base(self) -> KnowledgeBase:
        """The findings its scores are read with: the built-in ones (with the user's) until
        the bundle is loaded, then with the bundle's calibrated thresholds. Read on first use,
        so a broken user file of one modality stops only that modality's analysis."""
        if self._knowledge_base is None:
            self._knowledge_base = self.analysis.knowledge_base()
        return self._knowledge_base

    @knowledge_base.setter
    def knowledge_base(self, value: KnowledgeBase) -> None:
        self._knowledge_base = value

    @property
    def installed(self) -> bool:
        """Whether the bundle is there (its manifest; loading checks the rest)."""
        return (self.bundle_path / MANIFEST).is_file()

    @property
    def provenance(self) -> str:
        """What the bundle's manifest says its model was trained on (read without loading it)."""
        try:
            manifest = (self.bundle_path / MANIFEST).read_text(encoding="utf-8")
            return provenance(json.loads(manifest))
        except (OSError, ValueError, AttributeError):
            return "unknown (the model bundle cannot be read)"

    def load(self) -> Engine:
        """Return the engine, loading the bundle on first use (call off the UI thread)."""
        with self._loading:
            if self.engine is None:
                from elm_desktop.runtime import Bundle, Engine

                engine = Engine(Bundle.load(self.bundle_path), device="auto")
                # The model's calibrated thresholds sit between the built-in and the user's.
                self.knowledge_base = self.analysis.knowledge_base(engine.bundle.phenotypes)
                self.engine = engine
        return self.engine


def modality_models(
    bundle_paths: dict[str, Path] | None = None, archive_paths: dict[str, Path] | None = None
) -> dict[str, ModalityModel]:
    """One :class:`ModalityModel` per modality of the registry, by name: each modality's
    shipped bundle and default archive, unless ``bundle_paths`` / ``archive_paths`` name
    others for some modalities."""
    bundle_paths, archive_paths = bundle_paths or {}, archive_paths or {}
    return {
        name: ModalityModel(
            analysis,
            Path(bundle_paths.get(name, analysis.default_bundle)),
            Path(archive_paths.get(name, default_archive(analysis.modality.archive_file))),
        )
        for name, analysis in ANALYSES.items()
    }
