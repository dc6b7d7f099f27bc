"""The montage editor: a list of derivations with their colour, gain, polarity and visibility.

Each row is an electrode minus a reference (another electrode, ``A1A2`` linked ears, ``Avg``
common average, ``Lap`` Hjorth Laplacian, or empty: as recorded). Rows are added, removed and
moved; any montage can be the starting point. Saving writes a montage file in the user data folder
(:mod:`elm_desktop.signals.montage_files`), listed beside the built-ins from then on.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from elm_desktop.errors import ConfigError
from elm_desktop.signals.derivations import Montage, Trace
from elm_desktop.signals.montage_files import trace_from_entry
from elm_desktop.signals.montages import (
    REFERENTIAL_ORDER,
    builtin_montages,
    get_montage,
    list_montages,
    save_montage,
)

COLUMNS = ("Electrode", "Reference", "Colour", "Gain", "Invert", "Hide")
_ELECTRODE, _REFERENCE, _COLOUR, _GAIN, _INVERT, _HIDE = range(len(COLUMNS))


class MontageEditor(QDialog):
    """Edit a montage's derivations and save it as a montage file.

    Parameters
    ----------
    electrodes : sequence of str
        The open recording's electrodes: montages built from the electrodes present (average,
        as recorded) start from these (the 10-20 electrodes when none is open).
    current : str
        The montage to start from.

    Signals
    -------
    saved(str)
        A montage was saved under this name.
    """

    saved = Signal(str)

    def __init__(
        self, electrodes: Sequence[str], current: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Montage editor")
        self.electrodes = list(electrodes) or [*REFERENTIAL_ORDER, "A1", "A2"]
        self.start_box = QComboBox()
        for name in list_montages():
            description = get_montage(name).description
            self.start_box.addItem(description if name in builtin_montages() else name, name)
        start_button = QPushButton("Start from")
        start_button.clicked.connect(lambda: self.start_from(self.start_box.currentData()))
        self.name_edit = QLineEdit()
        self.description_edit = QLineEdit()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.cellDoubleClicked.connect(self._cell_double_clicked)
        self.message = QLabel()
        self.message.setWordWrap(True)

        buttons = QHBoxLayout()
        for text, slot in (
            ("Add", lambda: self.add_trace(Trace("Cz"), self.table.currentRow() + 1)),
            ("Remove", lambda: self.remove_row(self.table.currentRow())),
            ("Up", lambda: self.move_row(self.table.currentRow(), -1)),
            ("Down", lambda: self.move_row(self.table.currentRow(), 1)),
            ("Colour…", lambda: self.choose_colour(self.table.currentRow())),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        save_button = QPushButton("Save")
        save_button.clicked.connect(self.save)
        close_button = QPushButton("Close")
        close_button.clicked.connect(self.reject)
        buttons.addWidget(save_button)
        buttons.addWidget(close_button)

        start_row = QHBoxLayout()
        start_row.addWidget(start_button)
        start_row.addWidget(self.start_box, 1)
        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("Description", self.description_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(start_row)
        layout.addLayout(form)
        layout.addWidget(
            QLabel(
                "Reference: an electrode, A1A2 (linked ears), Avg (common average), "
                "Lap (Laplacian) or empty (as recorded). Double-click a colour to choose it."
            )
        )
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(640, 620)
        self.start_box.setCurrentIndex(max(self.start_box.findData(current), 0))
        self.start_from(current)

    # ---- rows ------------------------------------------------------------------------------

    def start_from(self, name: str) -> None:
        """Fill the list with montage ``name``'s traces (a copy: the original is kept)."""
        montage = get_montage(name)
        self.set_traces(montage.traces_for(self.electrodes))
        # A built-in is kept as it is: its copy gets a name of its own.
        self.name_edit.setText(f"{name}-mine" if name in builtin_montages() else name)
        self.description_edit.setText(montage.description)

    def set_traces(self, traces: Sequence[Trace]) -> None:
        """Show ``traces``, one row each."""
        self.table.setRowCount(0)
        for trace in traces:
            self.add_trace(trace)
        if traces:  # from the first derivation, as the montage is read
            self.table.setCurrentCell(0, _ELECTRODE)
            self.table.scrollToTop()

    def add_trace(self, trace: Trace, row: int | None = None) -> None:
        """Insert ``trace`` at ``row`` (default: at the end)."""
        row = self.table.rowCount() if row is None or row < 0 else row
        self.table.insertRow(row)
        self.table.setItem(row, _ELECTRODE, QTableWidgetItem(trace.electrode))
        self.table.setItem(row, _REFERENCE, QTableWidgetItem(trace.reference))
        self.table.setItem(row, _COLOUR, QTableWidgetItem(""))
        self.set_colour(row, trace.colour)
        gain = QDoubleSpinBox()
        gain.setRange(0.1, 20.0)
        gain.setSingleStep(0.5)
        gain.setValue(trace.gain)
        self.table.setCellWidget(row, _GAIN, gain)
        for column, on in ((_INVERT, trace.inverted), (_HIDE, trace.hidden)):
            item = QTableWidgetItem()
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.table.setItem(row, column, item)
        self.table.setCurrentCell(row, _ELECTRODE)

    def remove_row(self, row: int) -> None:
        """Remove row ``row`` (nothing when no row is chosen)."""
        if 0 <= row < self.table.rowCount():
            self.table.removeRow(row)

    def move_row(self, row: int, step: int) -> None:
        """Move row ``row`` up (``step`` -1) or down (+1)."""
        target = row + step
        if not (0 <= row < self.table.rowCount() and 0 <= target < self.table.rowCount()):
            return
        traces = list(self._entries())
        traces.insert(target, traces.pop(row))
        self.table.setRowCount(0)
        for entry in traces:
            self._add_entry(entry)
        self.table.setCurrentCell(target, _ELECTRODE)

    def set_colour(self, row: int, colour: str | None) -> None:
        """Draw row ``row`` in ``colour`` (``#rrggbb``; None: the palette's colour)."""
        item = self.table.item(row, _COLOUR)
        item.setText(colour or "")
        item.setBackground(QColor(colour) if colour else QColor(0, 0, 0, 0))

    def choose_colour(self, row: int) -> None:
        """Ask for row ``row``'s colour."""
        if not 0 <= row < self.table.rowCount():
            return
        start = QColor(self.table.item(row, _COLOUR).text() or "#000000")
        colour = QColorDialog.getColor(start, self, "Trace colour")
        if colour.isValid():
            self.set_colour(row, colour.name())

    def _cell_double_clicked(self, row: int, column: int) -> None:
        if column == _COLOUR:
            self.choose_colour(row)

    # ---- reading the rows --------------------------------------------------------------------

    def _entries(self) -> list[dict]:
        entries = []
        for row in range(self.table.rowCount()):
            colour = self.table.item(row, _COLOUR).text().strip()
            entries.append(
                {
                    "electrode": self.table.item(row, _ELECTRODE).text().strip(),
                    "reference": self.table.item(row, _REFERENCE).text().strip(),
                    "colour": colour or None,
                    "gain": self.table.cellWidget(row, _GAIN).value(),
                    "inverted": self.table.item(row, _INVERT).checkState() == Qt.CheckState.Checked,
                    "hidden": self.table.item(row, _HIDE).checkState() == Qt.CheckState.Checked,
                }
            )
        return entries

    def _add_entry(self, entry: dict) -> None:
        """Add a row as typed, checked only when saving."""
        row = self.table.rowCount()
        self.add_trace(Trace("Cz"), row)
        self.table.item(row, _ELECTRODE).setText(entry["electrode"])
        self.table.item(row, _REFERENCE).setText(entry["reference"])
        self.set_colour(row, entry["colour"])
        self.table.cellWidget(row, _GAIN).setValue(entry["gain"])
        for column, key in ((_INVERT, "inverted"), (_HIDE, "hidden")):
            state = Qt.CheckState.Checked if entry[key] else Qt.CheckState.Unchecked
            self.table.item(row, column).setCheckState(state)

    def montage(self) -> Montage:
        """Return the montage the dialog describes.

        Raises
        ------
        ConfigError
            One line naming the first row that cannot be used.
        """
        entries = self._entries()
        if not entries:
            raise ConfigError("a montage needs at least one trace")
        traces = tuple(trace_from_entry(entry, n) for n, entry in enumerate(entries, start=1))
        name = self.name_edit.text().strip()
        return Montage(name, self.description_edit.text().strip() or name, traces)

    def save(self) -> Path | None:
        """Save the montage as a file; say what is wrong instead when it cannot be."""
        try:
            montage = self.montage()
            path = save_montage(montage)
        except ConfigError as error:
            self.message.setText(str(error))
            return None
        self.message.setText(f"Saved {montage.name} ({path})")
        self.saved.emit(montage.name)
        return path
