"""The comparison window: this recording's page beside a similar case at its best-matching crop
(an ECG's similar case: its report)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from elm_desktop.archive import RecordingHit
from elm_desktop.gui.palette import PlotColours
from elm_desktop.gui.trace_view import TraceView


def _titled(title: str, widget: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(2, 2, 2, 2)
    label = QLabel(title)
    label.setWordWrap(True)
    layout.addWidget(label)
    layout.addWidget(widget, 1)
    return box


class CompareWindow(QWidget):
    """Two trace views side by side and the similar case's report.

    Parameters
    ----------
    current : TraceView or None
        The main window's view; its recording, page, montage, sensitivity and filters are copied.
        None when the open recording is not drawn in a trace view (an ECG): the case's report
        is shown alone.
    hit : RecordingHit
        The similar case.
    case_recording
        The case's opened recording, or None when its file is not available.
    window_s : float
        Crop length, to shade the matching crops.
    query_start_s : float or None
        Start of this recording's crop that matched best.
    """

    def __init__(
        self,
        current: TraceView | None,
        hit: RecordingHit,
        case_recording,
        window_s: float,
        query_start_s: float | None,
        colours: PlotColours,
    ) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setWindowTitle(f"Compare with case {hit.case.case_id} (similarity {hit.score:.2f})")
        self.left = self.right = None
        meta = hit.case.metadata
        self.report = QTextBrowser()
        self.report.setPlainText(hit.case.report or "(no report stored)")
        age = "?" if meta.age is None else meta.age
        report = _titled(
            f"Report of case {hit.case.case_id} (age {age}, sex {meta.sex or '?'})", self.report
        )
        layout = QVBoxLayout(self)
        if current is None or current.recording is None:
            layout.addWidget(report)
            self.resize(800, 600)
            return
        self.left = self._view_like(current, colours)
        self.left.set_recording(current.recording)
        if query_start_s is not None:
            self.left.set_highlights([query_start_s], [window_s], [1.0])
            self.left.centre_on(query_start_s + window_s / 2)
        else:
            self.left.set_start(current.start_s)
        self.right = self._view_like(current, colours)
        case_start = hit.best_crop.case_start_s
        if case_recording is not None:
            self.right.set_recording(case_recording)
            self.right.set_highlights([case_start], [window_s], [1.0])
            self.right.centre_on(case_start + window_s / 2)
            right_title = (
                f"Case {hit.case.case_id} — {Path(hit.case.source or '').name}, best-matching "
                f"segment at {case_start:.0f} s (crop similarity {hit.best_crop.score:.2f})"
            )
        else:
            right_title = f"Case {hit.case.case_id} — its recording is not available here"
        traces = QSplitter(Qt.Orientation.Horizontal)
        traces.addWidget(_titled("This recording", self.left))
        traces.addWidget(_titled(right_title, self.right))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(traces)
        splitter.addWidget(report)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter)
        self.resize(1500, 900)

    @staticmethod
    def _view_like(current: TraceView, colours: PlotColours) -> TraceView:
        view = TraceView()
        view.montage_name = current.montage_name
        view.page_s = current.page_s
        view.sensitivity = current.sensitivity
        view.display_filter = current.display_filter
        view.apply_colours(colours)
        return view
