"""The prompt panel: type a phrase, see its probability, its curve over the recording and peaks.

Typing is debounced: the phrase is scored once the user pauses (Enter scores at once, and says
so when the box is empty). A prompt is scored the way the built-in findings are, so the panel
shows a probability: the recording's, and each crop's on a plot with a probability axis (0-1)
and a time axis. The curve's peaks are listed with their times; clicking one jumps there. The
prompts typed for the open recording stay in a list; selecting one shows it again.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from elm_desktop.clinical import PromptCurve
from elm_desktop.gui.trace_view import ClockAxis
from elm_desktop.signals.time_labels import TimeLabels

DEBOUNCE_MS = 350


#: The example phrase the empty prompt box shows, per modality.
PROMPT_EXAMPLES = {"eeg": "left temporal sharp waves", "ecg": "wide QRS complexes"}


class PromptPanel(QWidget):
    """Free-text prompts of the open recording.

    Signals
    -------
    prompt_requested(str)
        The user paused typing on a phrase, or pressed Enter (then possibly on an empty box).
    prompt_selected(str)
        The user picked an earlier prompt.
    peak_clicked(float)
        The user clicked a peak of the curve: the middle of its segment, in seconds.
    """

    prompt_requested = Signal(str)
    prompt_selected = Signal(str)
    peak_clicked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = QLineEdit()
        self.set_modality("eeg")
        self.entry.setClearButtonEnabled(True)
        self.score_label = QLabel("")
        self.score_label.setWordWrap(True)
        self.time_labels = TimeLabels()
        """How times are written: time of day or elapsed, as the window's time axes."""
        self._segments: list = []  # the peaks listed, to write their times again
        self.plot = pg.PlotWidget(axisItems={"bottom": ClockAxis(orientation="bottom")})
        self.plot.setMinimumHeight(110)
        self.plot.setMaximumHeight(160)
        item = self.plot.getPlotItem()
        item.hideButtons()
        item.setMenuEnabled(False)
        item.setLabel("left", "probability")
        item.setLabel("bottom", self.time_labels.describe())
        item.setYRange(0.0, 1.0, padding=0.02)
        item.getViewBox().setMouseEnabled(x=False, y=False)
        self.curve = pg.PlotDataItem(stepMode="center")  # one step per crop, edge to edge
        self.plot.addItem(self.curve)
        self.peaks = QListWidget()
        self.peaks.setToolTip("Where the prompt's probability peaks; click to go there")
        self.peaks.setMaximumHeight(80)
        self.history = QListWidget()
        self.history.setToolTip("Prompts typed for this recording, with their probability")
        # A few lines: unbounded, it took the height the findings and the draft need.
        self.history.setMaximumHeight(90)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self._typed)
        self.entry.textEdited.connect(lambda _text: self.timer.start())
        self.entry.returnPressed.connect(self._entered)
        self.history.itemClicked.connect(
            lambda item: self.prompt_selected.emit(item.data(Qt.ItemDataRole.UserRole))
        )
        self.peaks.itemClicked.connect(
            lambda item: self.peak_clicked.emit(item.data(Qt.ItemDataRole.UserRole))
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.entry)
        layout.addWidget(self.score_label)
        layout.addWidget(self.plot)
        layout.addWidget(QLabel("Peaks"))
        layout.addWidget(self.peaks)
        layout.addWidget(QLabel("Prompts for this recording"))
        layout.addWidget(self.history)

    def focus_entry(self) -> None:
        """Put the cursor in the prompt box."""
        self.entry.setFocus()
        self.entry.selectAll()

    def _typed(self) -> None:
        self.timer.stop()
        text = self.entry.text().strip()
        if text:
            self.prompt_requested.emit(text)

    def _entered(self) -> None:
        self.timer.stop()
        self.prompt_requested.emit(self.entry.text().strip())

    def clear(self) -> None:
        """Show no score, curve, peaks or history (the entry keeps what is being typed)."""
        self.score_label.setText("")
        self.curve.setData([], [])
        self.peaks.clear()
        self._segments = []
        self.history.clear()

    def show_history(self, curves: Mapping[str, PromptCurve]) -> None:
        """List the recording's prompts (given oldest first), newest at the top."""
        self.history.clear()
        for prompt, curve in reversed(list(curves.items())):
            item = QListWidgetItem(f"{curve.recording_probability:.2f}  {prompt}")
            item.setData(Qt.ItemDataRole.UserRole, prompt)
            self.history.addItem(item)

    def show_curve(self, curve: PromptCurve, crop_starts_s: np.ndarray, window_s: float) -> None:
        """Show a prompt's probability, its per-crop curve and its peaks."""
        self.score_label.setText(
            f"“{curve.prompt}”: probability {curve.recording_probability:.2f} over the "
            "recording (the same scale as the findings' probabilities)"
        )
        edges = np.append(crop_starts_s, crop_starts_s[-1] + window_s) if len(crop_starts_s) else []
        self.curve.setData(edges, np.asarray(curve.probability, float))
        self._segments = list(curve.top_segments)
        self._list_peaks()

    def set_time_labels(self, labels: TimeLabels) -> None:
        """Write times with ``labels`` (time of day or elapsed) on the axis and the peaks."""
        self.time_labels = labels
        item = self.plot.getPlotItem()
        item.getAxis("bottom").set_time_labels(labels)
        item.setLabel("bottom", labels.describe())
        self._list_peaks()

    def _list_peaks(self) -> None:
        self.peaks.clear()
        when = self.time_labels
        for segment in self._segments:
            item = QListWidgetItem(
                f"{when(segment.start_s)}–{when(segment.end_s)}  probability {segment.score:.2f}"
            )
            item.setData(Qt.ItemDataRole.UserRole, (segment.start_s + segment.end_s) / 2)
            self.peaks.addItem(item)

    def set_modality(self, modality: str) -> None:
        """Suggest a phrase of the open recording's kind (``"eeg"`` or ``"ecg"``)."""
        example = PROMPT_EXAMPLES.get(modality, PROMPT_EXAMPLES["eeg"])
        self.entry.setPlaceholderText(f"Describe what to look for, e.g. '{example}'")

    def show_unavailable(self, message: str) -> None:
        """Say in one line why the prompt cannot be scored."""
        self.score_label.setText(message)
