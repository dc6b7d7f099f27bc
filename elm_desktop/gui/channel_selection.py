"""The channel selection: which derivations of the montage on screen are drawn."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class ChannelSelection(QDialog):
    """Tick the derivations to show; those the montage hides are listed but cannot be ticked.

    Parameters
    ----------
    labels : sequence of str
        The montage's derivations, in montage order.
    left_out : collection of str
        Those the current selection leaves out.
    hidden : collection of str
        Those the montage itself hides.
    """

    def __init__(
        self,
        labels: Sequence[str],
        left_out: frozenset[str],
        hidden: frozenset[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Channels shown")
        self.list = QListWidget()
        for label in labels:
            item = QListWidgetItem(label + (" (hidden by the montage)" if label in hidden else ""))
            item.setData(Qt.ItemDataRole.UserRole, label)
            if label in hidden:
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                item.setCheckState(Qt.CheckState.Unchecked)
            else:
                item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
                shown = label not in left_out
                item.setCheckState(Qt.CheckState.Checked if shown else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        every = QPushButton("All")
        every.clicked.connect(lambda: self.tick_all(True))
        none = QPushButton("None")
        none.clicked.connect(lambda: self.tick_all(False))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(every)
        row.addWidget(none)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        self.resize(320, 560)

    def _items(self) -> list[QListWidgetItem]:
        return [self.list.item(i) for i in range(self.list.count())]

    def tick_all(self, on: bool) -> None:
        """Tick (or untick) every derivation the montage does not hide."""
        state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        for item in self._items():
            if item.flags() & Qt.ItemFlag.ItemIsEnabled:
                item.setCheckState(state)

    def set_shown(self, label: str, shown: bool) -> None:
        """Tick or untick the derivation ``label``."""
        for item in self._items():
            if item.data(Qt.ItemDataRole.UserRole) == label:
                item.setCheckState(Qt.CheckState.Checked if shown else Qt.CheckState.Unchecked)

    def left_out(self) -> frozenset[str]:
        """Return the derivations not ticked (those the montage hides included)."""
        return frozenset(
            item.data(Qt.ItemDataRole.UserRole)
            for item in self._items()
            if item.checkState() != Qt.CheckState.Checked
        )
