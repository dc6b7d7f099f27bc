"""Dialogs of the main window: the file filter of File > Open, the list of keys, the error message."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from elm_desktop.gui.keymap import KEYMAP

RECORDING_FILTER = ";;".join(
    (
        "Recordings (*.edf *.EDF *.bdf *.BDF *.hea *.dat *.xml *.XML)",
        "EEG (*.edf *.EDF *.bdf *.BDF)",
        "12-lead ECG: WFDB, EDF, HL7 aECG, GE MUSE XML (*.hea *.dat *.edf *.EDF *.xml *.XML)",
        "All files (*)",
    )
)
"""File > Open's filter: EEG and ECG files; which one a file is, it says itself."""


class KeysDialog(QDialog):
    """The keyboard shortcuts, built from :data:`~elm_desktop.gui.keymap.KEYMAP`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QTableWidget(len(KEYMAP), 2)
        self.table.setHorizontalHeaderLabels(["Keys", "Action"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, binding in enumerate(KEYMAP.values()):
            self.table.setItem(row, 0, QTableWidgetItem(", ".join(binding.keys)))
            self.table.setItem(row, 1, QTableWidgetItem(binding.description))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(520, 560)


def show_error(parent: QWidget, title: str, message: str) -> QMessageBox:
    """Show ``message`` in a window-modal box that does not block the event loop; return it."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent
    )
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
