"""The event list dock: the open recording's events, a type filter, jump, add, edit, delete.

It shows an :class:`~elm_desktop.signals.events.EventList` through a table model (a recording
can carry thousands of annotations; the view asks only for the rows it shows) and says what the
reviewer asked for through signals; the window changes the list.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from elm_desktop.signals.events import Event, EventList
from elm_desktop.signals.time_labels import TimeLabels

ALL_TYPES = "All types"
COLUMNS = ("Time", "Duration", "Type", "Channel", "Note", "From")
FILE_ORIGIN = "recording (read-only)"


class EventTableModel(QAbstractTableModel):
    """The events of one list that pass the type filter, one per row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: tuple[Event, ...] = ()
        self.time_labels = TimeLabels()
        """How onsets are written: time of day or elapsed, as the window's time axes."""

    def set_rows(self, rows: tuple[Event, ...]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        event = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                self.time_labels(event.onset, 3),
                f"{event.duration:g} s" if event.duration else "",
                event.kind,
                event.channel or "all",
                event.text,
                FILE_ORIGIN if event.read_only else "reviewer",
            )[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and event.read_only:
            return QColor("#808080")
        return None


class EventsPanel(QWidget):
    """The event list with its type filter and buttons.

    Signals
    -------
    jump_requested(object)
        Show this :class:`Event` (double-click or Enter on a row).
    add_requested()
    edit_requested(object)
    delete_requested(object)
    save_requested()
    filter_changed()
        The type filter changed (next / previous event follow it).
    """

    jump_requested = Signal(object)
    add_requested = Signal()
    edit_requested = Signal(object)
    delete_requested = Signal(object)
    save_requested = Signal()
    filter_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.events: EventList | None = None
        self.type_box = QComboBox()
        self.type_box.setToolTip("Show only events of this type; next / previous event follow it")
        self.type_box.addItem(ALL_TYPES)
        self.type_box.currentIndexChanged.connect(self._filter_changed)
        self.model = EventTableModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.doubleClicked.connect(lambda index: self.jump_requested.emit(self._at(index)))
        self.table.activated.connect(lambda index: self.jump_requested.emit(self._at(index)))
        self.status = QLabel("No recording")
        self.buttons = {}
        buttons = QHBoxLayout()
        for name, text, slot in (
            ("add", "Add…", self.add_requested.emit),
            ("edit", "Edit…", lambda: self._with_selected(self.edit_requested)),
            ("delete", "Delete", lambda: self._with_selected(self.delete_requested)),
            ("save", "Save", self.save_requested.emit),
        ):
            button = QPushButton(text)
            button.clicked.connect(lambda _checked=False, slot=slot: slot())
            buttons.addWidget(button)
            self.buttons[name] = button
        filter_row = QHBoxLayout()
        filter_row.addWidget(QLabel("Type"))
        filter_row.addWidget(self.type_box, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(filter_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self._enable()

    def set_time_labels(self, labels: TimeLabels) -> None:
        """Write the onsets with ``labels`` (time of day or elapsed)."""
        self.model.time_labels = labels
        if self.model.rows:  # the Time column only: the selection stays
            last = self.model.index(len(self.model.rows) - 1, 0)
            self.model.dataChanged.emit(self.model.index(0, 0), last)

    def _at(self, index: QModelIndex) -> Event:
        return self.model.rows[index.row()]

    def selected(self) -> Event | None:
        """The event selected in the table, or None."""
        rows = self.table.selectionModel().selectedRows()
        return self._at(rows[0]) if rows else None

    def _with_selected(self, signal) -> None:
        event = self.selected()
        if event is not None:
            signal.emit(event)

    def selected_kinds(self) -> list[str] | None:
        """The types the filter lets through (None: all)."""
        kind = self.type_box.currentText()
        return None if kind == ALL_TYPES or not kind else [kind]

    def set_events(self, events: EventList | None, types: list[str]) -> None:
        """Show ``events`` (None: no recording), offering ``types`` and those present."""
        self.events = events
        current = self.type_box.currentText()
        kinds = list(dict.fromkeys([*types, *(events.kinds() if events is not None else [])]))
        self.type_box.blockSignals(True)
        self.type_box.clear()
        self.type_box.addItems([ALL_TYPES, *kinds])
        self.type_box.setCurrentIndex(max(self.type_box.findText(current), 0))
        self.type_box.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        """Show the list as it is now, filtered."""
        events = self.events
        self.model.set_rows(events.of_kinds(self.selected_kinds()) if events is not None else ())
        if events is None:
            self.status.setText("No recording")
        else:
            mine = len(events.reviewer_events)
            self.status.setText(
                f"{len(self.model.rows)} shown: {mine} yours, {len(events.file_events)} "
                f"in the file{' · unsaved' if events.unsaved else ''}"
            )
        self._enable()

    def _enable(self) -> None:
        for button in self.buttons.values():
            button.setEnabled(self.events is not None)

    def _filter_changed(self) -> None:
        self.refresh()
        self.filter_changed.emit()
