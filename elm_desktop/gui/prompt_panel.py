"""The prompt panel: type a phrase, see its score and its curve over the recording.

Typing is debounced: the phrase is scored once the user pauses. Earlier prompts stay in a list;
selecting one shows its curve again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

DEBOUNCE_MS = 350


class PromptPanel(QWidget):
    """Free-text prompts.

    Signals
    -------
    prompt_requested(str)
        The user paused typing on a phrase that needs scoring.
    prompt_selected(str)
        The user picked an earlier prompt.
    """

    prompt_requested = Signal(str)
    prompt_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = QLineEdit()
        self.entry.setPlaceholderText("Describe what to look for, e.g. 'left temporal sharp waves'")
        self.entry.setClearButtonEnabled(True)
        self.score_label = QLabel("")
        self.history = QListWidget()
        self.history.setToolTip("Earlier prompts with their recording-level similarity")
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self._request)
        self.entry.textEdited.connect(lambda _text: self.timer.start())
        self.entry.returnPressed.connect(self._request)
        self.history.itemClicked.connect(
            lambda item: self.prompt_selected.emit(item.data(Qt.ItemDataRole.UserRole))
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.entry)
        layout.addWidget(self.score_label)
        layout.addWidget(QLabel("Earlier prompts"))
        layout.addWidget(self.history)
        self.scores: dict[str, float] = {}

    def focus_entry(self) -> None:
        """Put the cursor in the prompt box."""
        self.entry.setFocus()
        self.entry.selectAll()

    def _request(self) -> None:
        self.timer.stop()
        text = self.entry.text().strip()
        if text:
            self.prompt_requested.emit(text)

    def show_score(self, prompt: str, similarity: float, top_start_s: float | None) -> None:
        """Show a prompt's recording-level similarity and keep it in the history."""
        where = f", best at {top_start_s:.0f} s" if top_start_s is not None else ""
        self.score_label.setText(f"“{prompt}”: similarity {similarity:+.3f}{where}")
        if prompt not in self.scores:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, prompt)
            self.history.insertItem(0, item)
        self.scores[prompt] = similarity
        for row in range(self.history.count()):
            item = self.history.item(row)
            text = item.data(Qt.ItemDataRole.UserRole)
            item.setText(f"{self.scores[text]:+.3f}  {text}")

    def show_unavailable(self, message: str) -> None:
        """Say why prompts cannot be scored."""
        self.score_label.setText(message)
