"""Settings kept between sessions, in an INI file inside the user data directory.

Keeping the file under :func:`elm_desktop.paths.data_dir` (rather than Qt's per-user default)
means a test that points ``ELM_DESKTOP_DATA`` at a temporary folder gets settings of its own.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from elm_desktop.paths import data_dir
from elm_desktop.signals.events import EVENT_TYPES

MAX_RECENT_FILES = 8

DEFAULTS: dict[str, object] = {
    "display/montage": "tcp-elm",
    "display/rows": 32,
    "display/page_s": 10.0,
    "display/sensitivity_uv_mm": 7.0,
    "display/lff_hz": 1.0,
    "display/hff_hz": 70.0,
    "display/notch_hz": 0.0,
    "display/dark": False,
    "report/reviewer": "",
    "display/clock_time": True,
    "display/trends": True,
    "display/polygraphy": True,
    # The recording's file name may carry the patient's: exports name it only when asked.
    "export/file_name": False,
}


class Settings:
    """Typed access to the program's :class:`~PySide6.QtCore.QSettings`."""

    def __init__(self, path: Path | None = None) -> None:
        path = path or data_dir() / "elm-desktop-gui.ini"
        self._store = QSettings(str(path), QSettings.Format.IniFormat)

    def value(self, key: str) -> object:
        """Return the stored value of ``key``, converted to the type of its default."""
        default = DEFAULTS[key]
        raw = self._store.value(key, default)
        if isinstance(default, bool):
            return raw in (True, "true", "1", 1)
        return type(default)(raw)

    def set_value(self, key: str, value: object) -> None:
        """Store ``value`` under ``key`` (one of :data:`DEFAULTS`)."""
        if key not in DEFAULTS:
            raise KeyError(key)
        self._store.setValue(key, value)

    def recent_files(self) -> list[str]:
        """Return recently opened files, newest first, skipping those that no longer exist."""
        files = self._store.value("recent/files", []) or []
        if isinstance(files, str):
            files = [files]
        return [name for name in files if Path(name).exists()]

    def add_recent_file(self, path: str | Path) -> None:
        """Put ``path`` at the top of the recent files."""
        name = str(Path(path).resolve())
        files = [name] + [other for other in self.recent_files() if other != name]
        self._store.setValue("recent/files", files[:MAX_RECENT_FILES])

    def clear_recent_files(self) -> None:
        """Forget the recent files (their paths often name patients, on a shared workstation)."""
        self._store.remove("recent/files")
        self._store.sync()  # gone from the file now, not when the window closes

    def left_out_channels(self, montage: str) -> frozenset[str]:
        """Return the derivations of ``montage`` the reviewer's channel selection leaves out."""
        labels = self._store.value(f"channels/{montage}/left_out", []) or []
        return frozenset([labels] if isinstance(labels, str) else labels)

    def set_left_out_channels(self, montage: str, labels: frozenset[str]) -> None:
        """Remember that the channel selection of ``montage`` leaves ``labels`` out."""
        self._store.setValue(f"channels/{montage}/left_out", sorted(labels))

    def event_types(self) -> list[str]:
        """Return the event types offered: the built-in ones, then those the reviewer added."""
        added = self._store.value("events/added_types", []) or []
        if isinstance(added, str):
            added = [added]
        return list(dict.fromkeys([*EVENT_TYPES, *added]))

    def add_event_type(self, kind: str) -> None:
        """Offer ``kind`` among the event types from now on."""
        kinds = self.event_types()
        if kind and kind not in kinds:
            self._store.setValue("events/added_types", [*kinds[len(EVENT_TYPES) :], kind])

    def window_state(self) -> tuple[bytes | None, bytes | None]:
        """Return the saved window geometry and dock layout, if any."""
        return self._store.value("window/geometry"), self._store.value("window/state")

    def set_window_state(self, geometry: bytes, state: bytes) -> None:
        """Save the window geometry and dock layout."""
        self._store.setValue("window/geometry", geometry)
        self._store.setValue("window/state", state)

    def sync(self) -> None:
        """Write pending changes to disk."""
        self._store.sync()
