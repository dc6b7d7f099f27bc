"""The state of one open recording: everything derived from it, in one Qt-free object.

The window makes one :class:`Review` per opened recording (in the spirit of MNELAB's
``model.py``): the analysis result, the prompts typed and their curves, the selected finding or
prompt, the draft and whether it holds unsaved edits. Its panels observe it through
:meth:`Review.observe`. Opening another file makes a new :class:`Review` and closes the old
one, so nothing derived from one recording can be shown or exported with another; a result
that belongs to another file is refused (:class:`StaleResultError`).

Drafts are kept per recording by the sha256 of the file's bytes, in ``drafts/`` of the user data
folder (:class:`DraftStore`); the file's name is not stored there.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from elm_desktop.analysis import RECORDING_ID_DIGITS, AnalysisResult
from elm_desktop.clinical import PromptCurve
from elm_desktop.errors import ElmError
from elm_desktop.paths import data_dir

Change = Literal["hash", "result", "prompts", "selection", "draft"]
"""What changed in a :class:`Review`: the name its observers are called with."""

Observer = Callable[[Change], None]


class StaleResultError(ElmError):
    """A result or an export does not belong to the recording on screen."""


class DraftError(ElmError):
    """A saved draft cannot be read or written."""


@dataclass(frozen=True)
class SavedDraft:
    """A draft the reviewer saved for one recording.

    Attributes
    ----------
    html : str
        The editor's content, with the tints that show each sentence's origin.
    text : str
        The same as plain text.
    saved_at : str
        When it was saved (ISO 8601, local time).
    """

    html: str
    text: str
    saved_at: str


class DraftStore:
    """Saved drafts, one JSON file per recording named by the sha256 of the recording's bytes.

    Parameters
    ----------
    folder : Path, optional
        Where the drafts live; by default ``drafts/`` in the user data folder.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else data_dir() / "drafts"

    def path(self, file_sha256: str) -> Path:
        """Return the file that holds the draft of the recording with this sha256."""
        return self.folder / f"{file_sha256}.json"

    def load(self, file_sha256: str) -> SavedDraft | None:
        """Return the saved draft of a recording, or None when there is none."""
        path = self.path(file_sha256)
        if not path.is_file():
            return None
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            return SavedDraft(str(stored["html"]), str(stored["text"]), str(stored["saved_at"]))
        except (OSError, ValueError, KeyError, TypeError) as error:
            # Kept aside, not overwritten by the next save: the reviewer may want it back.
            aside = path.with_suffix(".unreadable.json")
            os.replace(path, aside)
            raise DraftError(
                f"the saved draft of this recording cannot be read ({error}); "
                f"it was moved to {aside}"
            ) from error

    def save(self, file_sha256: str, html: str, text: str) -> SavedDraft:
        """Save a recording's draft (replacing the earlier one whole) and return it."""
        draft = SavedDraft(html, text, dt.datetime.now().isoformat(timespec="seconds"))
        path = self.path(file_sha256)
        partial = path.with_suffix(".partial")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial.write_text(
                json.dumps({"sha256": file_sha256, **draft.__dict__}), encoding="utf-8"
            )
            os.replace(partial, path)  # a crash mid-write leaves the earlier draft intact
        except OSError as error:
            raise DraftError(f"cannot save the draft to {path}: {error}") from error
        return draft


class Review:
    """Everything derived from one open recording; panels observe it.

    Parameters
    ----------
    path : path-like
        The recording file.
    drafts : DraftStore
        Where this recording's draft is saved and found again.

    Attributes
    ----------
    path : Path
    file_sha256 : str or None
        The sha256 of the file's bytes, once :meth:`set_file_sha256` gave it.
    result : AnalysisResult or None
        The latest complete analysis of this file.
    prompts : dict of str to PromptCurve
        The prompts typed for this recording, oldest first, with their curves.
    selection : tuple of (str, str) or None
        ``("finding", finding_id)`` or ``("prompt", text)``: what the overview's curve shows.
    saved_draft : SavedDraft or None
        The draft saved for this recording.
    draft_edited : bool
        Whether the draft on screen holds edits that are not saved.
    """

    def __init__(self, path: str | os.PathLike[str], drafts: DraftStore) -> None:
        self.path = Path(path)
        self.drafts = drafts
        self.file_sha256: str | None = None
        self.result: AnalysisResult | None = None
        self.prompts: dict[str, PromptCurve] = {}
        self.selection: tuple[str, str] | None = None
        self.saved_draft: SavedDraft | None = None
        self.draft_edited = False
        self.closed = False
        self._observers: list[Observer] = []

    # ---- observing -------------------------------------------------------------------------

    def observe(self, observer: Observer) -> None:
        """Call ``observer(change)`` after every change (see :data:`Change`)."""
        self._observers.append(observer)

    def close(self) -> None:
        """Forget the observers: a closed review changes nothing on screen."""
        self.closed = True
        self._observers.clear()

    def _changed(self, change: Change) -> None:
        for observer in list(self._observers):
            observer(change)

    # ---- identity --------------------------------------------------------------------------

    @property
    def recording_id(self) -> str | None:
        """The opaque id of the recording (first 12 hex digits of its sha256), once known."""
        return None if self.file_sha256 is None else self.file_sha256[:RECORDING_ID_DIGITS]

    def set_file_sha256(self, file_sha256: str, saved_draft: SavedDraft | None = None) -> None:
        """Record the file's sha256 and the draft saved for it (see :meth:`DraftStore.load`)."""
        self.file_sha256 = file_sha256
        self.saved_draft = saved_draft
        self._changed("hash")
        if self.result is not None and not self.owns(self.result):
            # Analysed before the hash was known, from bytes that are no longer the file's.
            self.result = None
            self._changed("result")
        if self.saved_draft is not None:
            self._changed("draft")

    def owns(self, result: AnalysisResult) -> bool:
        """Say whether ``result`` is an analysis of this recording's file as it is now."""
        if self.file_sha256 is not None:
            return result.file_sha256 == self.file_sha256
        return Path(result.path).resolve() == self.path.resolve()

    # ---- what the model found -------------------------------------------------------------

    def set_result(self, result: AnalysisResult) -> None:
        """Take a complete analysis of this recording: its prompts, no selection, its draft.

        Raises
        ------
        StaleResultError
            ``result`` is an analysis of another file (or of this file before it changed).
        """
        if not self.owns(result):
            raise StaleResultError(
                f"the analysis of {Path(result.path).name} (sha256 {result.file_sha256[:RECORDING_ID_DIGITS]}) "
                f"does not belong to the open recording {self.path.name}: analyse it again"
            )
        self.result = result
        self.prompts = {**self.prompts, **{curve.prompt: curve for curve in result.prompts}}
        self.selection = None
        self.draft_edited = False
        self._changed("result")
        self._changed("prompts")
        self._changed("selection")
        self._changed("draft")

    def add_prompt(self, curve: PromptCurve) -> None:
        """Keep a scored prompt in this recording's history and select it."""
        self.prompts[curve.prompt] = curve
        self._changed("prompts")
        self.select("prompt", curve.prompt)

    def select(self, kind: Literal["finding", "prompt"], key: str) -> None:
        """Select a finding (by id) or a prompt (by text) to show on the overview."""
        self.selection = (kind, key)
        self._changed("selection")

    # ---- the draft -------------------------------------------------------------------------

    def mark_draft_edited(self) -> None:
        """Note that the reviewer changed the draft on screen."""
        if not self.draft_edited:
            self.draft_edited = True
            self._changed("draft")

    def save_draft(self, html: str, text: str) -> SavedDraft:
        """Save the draft on screen for this recording (found again when it is reopened).

        Raises
        ------
        DraftError
            The file's sha256 is not known yet, or the draft cannot be written.
        """
        if self.file_sha256 is None:
            raise DraftError(
                f"{self.path.name} is still being fingerprinted; save the draft again in a moment"
            )
        self.saved_draft = self.drafts.save(self.file_sha256, html, text)
        self.draft_edited = False
        self._changed("draft")
        return self.saved_draft

    def discard_draft_edits(self) -> None:
        """Drop unsaved edits: the draft shown is the saved one, else the model's."""
        self.draft_edited = False
        self._changed("draft")

    # ---- exports ---------------------------------------------------------------------------

    def exportable_result(self) -> AnalysisResult:
        """Return the result to export, checked against the recording on screen.

        Raises
        ------
        StaleResultError
            The recording is not analysed, or the result belongs to another file.
        """
        if self.closed:
            raise StaleResultError(f"{self.path.name} is no longer the open recording")
        if self.result is None:
            raise StaleResultError(
                f"{self.path.name} has not been analysed: analyse it (Ctrl+R) before exporting"
            )
        if self.file_sha256 is None:
            raise StaleResultError(
                f"{self.path.name} is still being fingerprinted; export again in a moment"
            )
        if not self.owns(self.result):
            raise StaleResultError(
                f"the analysis on screen does not match {self.path.name} as it is on disk: "
                "analyse it again (Ctrl+R)"
            )
        return self.result

    def export_header(self, include_file_name: bool = False) -> str:
        """Return the lines that head an exported draft: the recording (its opaque id, its file
        name only with ``include_file_name``: a name may carry the patient's), sha256, model
        and provenance, and the time of day the recording started (never its date).

        Raises
        ------
        StaleResultError
            As :meth:`exportable_result`; a saved draft exports before analysis too.
        """
        started = ""
        if self.result is None and self.saved_draft is not None and not self.closed:
            model = "not run in this session (saved draft)"
        else:
            result = self.exportable_result()
            model = f"{result.model}; trained on {result.provenance}"
            if result.start_time_of_day:  # the time of day only: the date stays out
                started = f"Started at: {result.start_time_of_day} (time of day)\n"
        return (
            f"Recording: {self.export_name(include_file_name)}\nSHA-256: {self.file_sha256}\n"
            f"Model: {model}\n{started}"
        )

    def export_name(self, include_file_name: bool = False) -> str:
        """How exports name the recording: its file name when asked, else its opaque id (as
        ``analyze`` names it)."""
        if include_file_name or self.recording_id is None:
            return self.path.name if include_file_name else "(not fingerprinted yet)"
        return self.recording_id
