"""The window's montage tools: the Montage menu, the rows-per-screen choice and the notices.

The montage box lists the built-in montages and the user's montage files; montage files that
cannot be used are named in one line in the status bar and left out. The menu opens the montage
editor and the channel selection and loads a montage file from elsewhere; a montage whose
electrodes the recording lacks is named in one line, its traces shown as absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QMenu

from elm_desktop.errors import ConfigError
from elm_desktop.gui.channel_selection import ChannelSelection
from elm_desktop.gui.montage_editor import MontageEditor
from elm_desktop.gui.trace_view import ROWS_PER_SCREEN
from elm_desktop.signals.montage_files import read_montage
from elm_desktop.signals.montages import (
    builtin_montages,
    get_montage,
    list_montages,
    montage_problems,
    save_montage,
)

if TYPE_CHECKING:
    from elm_desktop.gui.main_window import MainWindow

MONTAGE_FILTER = "Montage files (*.json);;All files (*)"
NOTICE_MS = 15000


class MontageMenu(QObject):
    """The montage tools of ``window`` (built once, after its toolbar and menus)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.view = window.trace_view
        self.problems: list[str] = []
        """One line per montage file left out, as last listed."""
        self.editor: MontageEditor | None = None
        self.selection: ChannelSelection | None = None
        window.toolbar.addWidget(QLabel("  Rows "))
        self.rows_box = QComboBox()
        self.rows_box.setToolTip("Rows on screen (Shift+Up/Down scroll them)")
        for rows in ROWS_PER_SCREEN:
            self.rows_box.addItem(f"{rows}" if rows else "all", rows)
        self.rows_box.setCurrentIndex(max(self.rows_box.findData(self.stored_rows()), 0))
        self.rows_box.currentIndexChanged.connect(
            lambda _index: self.set_rows(self.rows_box.currentData())
        )
        window.toolbar.addWidget(self.rows_box)
        self.view.rows_per_screen = self.rows_box.currentData()
        menu = QMenu("&Montage", window)
        bar = window.menuBar()
        bar.insertMenu(bar.actions()[-1], menu)  # before Help
        for name in ("edit_montages", "select_channels", "rows_up", "rows_down"):
            menu.addAction(window.key_actions[name])
        menu.addAction("&Load a montage file…").triggered.connect(self.ask_load)
        self.refresh()
        self.view.deselected = {  # the channel selections of the last session
            name: self.window.settings.left_out_channels(name) for name in list_montages()
        }
        self.view.layout_changed.connect(self.show_notice)
        window.recording_opened.connect(lambda _recording: self.show_notice())

    def stored_rows(self) -> int:
        return int(self.window.settings.value("display/rows"))

    def set_rows(self, rows: int) -> None:
        """Show at most ``rows`` rows at a time (0: all), remembered between sessions."""
        self.rows_box.setCurrentIndex(max(self.rows_box.findData(rows), 0))
        self.window.settings.set_value("display/rows", int(rows))
        self.view.set_rows_per_screen(rows)

    def refresh(self) -> None:
        """List the montages again (a file was saved or loaded); say which files are left out."""
        box = self.window.montage_box
        current = box.currentData()
        box.blockSignals(True)
        box.clear()
        for name in list_montages():
            montage = get_montage(name)
            text = montage.description if name in builtin_montages() else f"{name} (yours)"
            box.addItem(text, name)
        box.setCurrentIndex(max(box.findData(current), 0))
        box.blockSignals(False)
        self.problems = montage_problems()
        if self.problems:
            more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
            self.window.statusBar().showMessage(f"Left out: {self.problems[0]}{more}", NOTICE_MS)

    def show_notice(self) -> None:
        """Name the electrodes the montage on screen needs and the recording lacks."""
        notice = self.view.missing_notice()
        if notice:
            self.window.statusBar().showMessage(notice, NOTICE_MS)

    def open_editor(self) -> MontageEditor:
        """Open the montage editor, starting from the montage on screen."""
        electrodes = self.window.recording.electrodes if self.window.recording else []
        self.editor = MontageEditor(electrodes, self.view.montage_name, self.window)
        self.editor.saved.connect(self.saved)
        self.editor.open()
        return self.editor

    def saved(self, name: str) -> None:
        """A montage file was written: list it and show it."""
        self.refresh()
        self.window.set_montage(name)

    def open_selection(self) -> ChannelSelection | None:
        """Open the channel selection of the montage on screen."""
        if self.window.recording is None:
            return None
        labels = [d.label for d in self.view.derivations]
        hidden = frozenset(d.label for d in self.view.derivations if d.hidden)
        left_out = self.view.deselected.get(self.view.montage_name, frozenset())
        self.selection = ChannelSelection(labels, left_out - hidden, hidden, self.window)
        self.selection.accepted.connect(lambda: self.select(self.selection.left_out() - hidden))
        self.selection.open()
        return self.selection

    def select(self, left_out: frozenset[str]) -> None:
        """Leave ``left_out`` off the screen in the montage shown, remembered between sessions."""
        self.view.set_channel_selection(left_out)
        self.window.settings.set_left_out_channels(self.view.montage_name, left_out)

    def load(self, path: str | Path) -> str | None:
        """Add the montage file ``path`` to the user's montages and show it; None if unusable."""
        try:
            montage = read_montage(Path(path), reserved=builtin_montages())
            save_montage(montage)
        except ConfigError as error:
            self.window.show_error("Cannot use the montage file", str(error))
            return None
        self.saved(montage.name)
        return montage.name

    def ask_load(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self.window, "Load a montage file", "", MONTAGE_FILTER
        )
        if name:
            self.load(name)
