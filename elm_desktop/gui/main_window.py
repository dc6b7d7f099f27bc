"""The main window: traces, overview strip, side panels, menus, status bar.

Everything slow (opening a file, loading the model, analysing, scoring a prompt) runs as a
:class:`~elm_desktop.gui.workers.Job` off the UI thread. Tests drive the window through its
public methods (``open_file``, ``analyze``, ``trace_view.step_pages``, ...), the same ones the
menus, toolbar and keys call.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QToolBar,
)

from elm_desktop.gui import workers
from elm_desktop.gui.dialogs import KeysDialog, show_error
from elm_desktop.gui.keymap import KEYMAP, key_sequences
from elm_desktop.gui.overview import OverviewStrip
from elm_desktop.gui.palette import apply_palette
from elm_desktop.gui.settings import Settings
from elm_desktop.gui.trace_view import PAGE_LENGTHS_S, SENSITIVITIES_UV_MM, TraceView
from elm_desktop.signals.montages import get_montage, list_montages
from elm_desktop.signals.recording import open_recording

LFF_CHOICES_HZ = (None, 0.1, 0.3, 0.5, 1.0, 1.6, 5.0)
HFF_CHOICES_HZ = (None, 15.0, 30.0, 35.0, 50.0, 70.0)
NOTCH_CHOICES_HZ = (None, 50.0, 60.0)
EDF_FILTER = "EEG recordings (*.edf *.EDF *.bdf *.BDF);;All files (*)"


def _hz_label(value: float | None) -> str:
    return "off" if value is None else f"{value:g} Hz"


def clock(seconds: float) -> str:
    """Format seconds as h:mm:ss."""
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class MainWindow(QMainWindow):
    """The ELM Desktop main window.

    Signals
    -------
    recording_opened(object)
        A recording was opened and its first page drawn.
    """

    recording_opened = Signal(object)

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.recording = None
        self.jobs: list[workers.Job] = []
        self.error_box: QMessageBox | None = None
        self.last_error: str | None = None
        self.dark = False
        self.setWindowTitle("ELM Desktop")
        self.setAcceptDrops(True)

        self.trace_view = TraceView()
        self.overview = OverviewStrip()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.trace_view)
        splitter.addWidget(self.overview)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)
        self.trace_view.start_changed.connect(self._page_moved)
        self.trace_view.layout_changed.connect(self._page_moved)
        self.overview.time_clicked.connect(self.trace_view.centre_on)

        self._build_toolbar()
        self._build_status_bar()
        self._build_key_actions()
        self._build_menus()
        self._restore_settings()

    # ---- building ------------------------------------------------------------------------

    def _combo(self, tooltip: str, items: list[tuple[str, object]], on_change) -> QComboBox:
        combo = QComboBox()
        combo.setToolTip(tooltip)
        for text, data in items:
            combo.addItem(text, data)
        combo.currentIndexChanged.connect(lambda _index: on_change(combo.currentData()))
        self.toolbar.addWidget(combo)
        return combo

    def _build_toolbar(self) -> None:
        self.toolbar = QToolBar("Display")
        self.toolbar.setObjectName("display-toolbar")
        self.addToolBar(self.toolbar)
        self.toolbar.addWidget(QLabel(" Montage "))
        self.montage_box = self._combo(
            "Montage (M cycles)",
            [(get_montage(name).description, name) for name in list_montages()],
            self.set_montage,
        )
        self.toolbar.addWidget(QLabel("  Page "))
        self.page_box = self._combo(
            "Seconds per page", [(f"{s:g} s", s) for s in PAGE_LENGTHS_S], self.set_page_length
        )
        self.toolbar.addWidget(QLabel("  Sensitivity "))
        self.sensitivity_box = self._combo(
            "Microvolts per millimetre of screen (Up/Down)",
            [(f"{s:g} µV/mm", s) for s in SENSITIVITIES_UV_MM],
            self.set_sensitivity,
        )
        self.toolbar.addWidget(QLabel("  LFF "))
        self.lff_box = self._combo(
            "Low-frequency (high-pass) filter",
            [(_hz_label(v), v) for v in LFF_CHOICES_HZ],
            lambda _v: self._filters_changed(),
        )
        self.toolbar.addWidget(QLabel("  HFF "))
        self.hff_box = self._combo(
            "High-frequency (low-pass) filter",
            [(_hz_label(v), v) for v in HFF_CHOICES_HZ],
            lambda _v: self._filters_changed(),
        )
        self.toolbar.addWidget(QLabel("  Notch "))
        self.notch_box = self._combo(
            "Mains notch filter",
            [(_hz_label(v), v) for v in NOTCH_CHOICES_HZ],
            lambda _v: self._filters_changed(),
        )

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.position_label = QLabel("No recording")
        self.job_label = QLabel("")
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.action_cancel)
        self.model_label = QLabel("Model: not loaded")
        status.addWidget(self.position_label, 1)
        status.addPermanentWidget(self.job_label)
        status.addPermanentWidget(self.progress_bar)
        status.addPermanentWidget(self.cancel_button)
        status.addPermanentWidget(self.model_label)

    def _build_key_actions(self) -> None:
        """Make one window-wide action per :data:`KEYMAP` entry."""
        self.key_actions: dict[str, QAction] = {}
        for name, binding in KEYMAP.items():
            action = QAction(binding.description, self)
            action.setShortcuts(key_sequences(name))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(getattr(self, f"action_{name}"))
            self.addAction(action)
            self.key_actions[name] = action

    def _menu_action(self, menu, text: str, slot) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.key_actions["open_file"])
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        self._menu_action(file_menu, "&Quit", self.close)
        self.view_menu = bar.addMenu("&View")
        self.view_menu.addAction(self.key_actions["toggle_dark"])
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.key_actions["help"])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files()
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)
        for name in files:
            self.recent_menu.addAction(name).triggered.connect(
                lambda _checked=False, name=name: self.open_file(name)
            )

    def _restore_settings(self) -> None:
        value = self.settings.value
        self._select(self.montage_box, value("display/montage"))
        self._select(self.page_box, value("display/page_s"))
        self._select(self.sensitivity_box, value("display/sensitivity_uv_mm"))
        self._select(self.lff_box, value("display/lff_hz") or None)
        self._select(self.hff_box, value("display/hff_hz") or None)
        self._select(self.notch_box, value("display/notch_hz") or None)
        self.trace_view.montage_name = self.montage_box.currentData()
        self.trace_view.page_s = self.page_box.currentData()
        self.trace_view.sensitivity = self.sensitivity_box.currentData()
        self._filters_changed()
        self.set_dark(bool(value("display/dark")))
        geometry, state = self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    @staticmethod
    def _select(combo: QComboBox, data: object) -> None:
        index = combo.findData(data)
        if index >= 0 and index != combo.currentIndex():
            combo.setCurrentIndex(index)

    # ---- display settings ----------------------------------------------------------------

    def set_montage(self, name: str) -> None:
        """Show the traces in montage ``name`` (in place)."""
        self._select(self.montage_box, name)
        self.settings.set_value("display/montage", name)
        self.trace_view.set_montage(name)

    def set_page_length(self, seconds: float) -> None:
        """Show ``seconds`` per page."""
        self._select(self.page_box, seconds)
        self.settings.set_value("display/page_s", float(seconds))
        self.trace_view.set_page_length(seconds)

    def set_sensitivity(self, uv_per_mm: float) -> None:
        """Draw at ``uv_per_mm`` microvolts per millimetre."""
        self._select(self.sensitivity_box, uv_per_mm)
        self.settings.set_value("display/sensitivity_uv_mm", float(uv_per_mm))
        self.trace_view.set_sensitivity(uv_per_mm)

    def set_filters(self, lff: float | None, hff: float | None, notch: float | None) -> None:
        """Set the display filters (None switches one off)."""
        for combo, value in ((self.lff_box, lff), (self.hff_box, hff), (self.notch_box, notch)):
            combo.blockSignals(True)
            self._select(combo, value)
            combo.blockSignals(False)
        self._filters_changed()

    def _filters_changed(self) -> None:
        lff, hff, notch = (b.currentData() for b in (self.lff_box, self.hff_box, self.notch_box))
        self.settings.set_value("display/lff_hz", lff or 0.0)
        self.settings.set_value("display/hff_hz", hff or 0.0)
        self.settings.set_value("display/notch_hz", notch or 0.0)
        self.trace_view.set_filter(lff, hff, notch)

    def set_dark(self, dark: bool) -> None:
        """Switch between the light and dark palettes."""
        self.dark = bool(dark)
        self.settings.set_value("display/dark", bool(dark))
        colours = apply_palette(QApplication.instance(), dark)
        self.trace_view.apply_colours(colours)
        self.overview.apply_colours(colours)

    # ---- opening -------------------------------------------------------------------------

    def run_job(self, job: workers.Job, on_finished, show_progress: bool = True) -> workers.Job:
        """Start ``job`` off the UI thread; its result goes to ``on_finished``, errors to a dialog."""
        job.signals.finished.connect(on_finished)
        job.signals.failed.connect(lambda message: self.show_error(job.name, message))
        if show_progress:
            job.signals.progress.connect(self._job_progress)
            for signal in (job.signals.finished, job.signals.failed, job.signals.cancelled):
                signal.connect(lambda *_args, job=job: self._job_ended(job))
            self.job_label.setText(job.name)
            self.progress_bar.setRange(0, 0)
            self.progress_bar.setVisible(True)
            self.cancel_button.setVisible(True)
        self.jobs = [other for other in self.jobs if not other.done] + [job]
        return workers.start(job)

    def _job_progress(self, done: int, total: int, message: str) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)
        if message:
            self.job_label.setText(message)

    def _job_ended(self, job: workers.Job) -> None:
        if any(not other.done and other is not job for other in self.jobs):
            return
        self.job_label.setText("")
        self.progress_bar.setVisible(False)
        self.cancel_button.setVisible(False)

    def busy(self) -> bool:
        """Say whether any job is still running."""
        return any(not job.done for job in self.jobs)

    def open_file(self, path: str | Path) -> workers.Job:
        """Open a recording off the UI thread; show its first page when it is read."""
        path = Path(path)
        job = workers.Job(
            f"Opening {path.name}", lambda progress, cancel, partial: open_recording(path)
        )
        return self.run_job(job, self._recording_ready)

    def _recording_ready(self, recording) -> None:
        try:
            self.trace_view.set_recording(recording)
        except Exception as error:
            self.show_error("Cannot show the recording", str(error))
            return
        self.recording = recording
        self.overview.set_duration(recording.duration)
        self.overview.set_annotations([a.onset for a in recording.annotations])
        self._page_moved()
        self.settings.add_recent_file(recording.path)
        self.setWindowTitle(f"{Path(recording.path).name} — ELM Desktop")
        self.recording_opened.emit(recording)

    def show_error(self, title: str, message: str) -> None:
        """Show an error without blocking; the window stays usable."""
        self.last_error = message
        self.statusBar().showMessage(f"{title}: {message}", 10000)
        self.error_box = show_error(self, title, message)

    def _page_moved(self, *_args) -> None:
        if self.recording is None:
            return
        start, stop = self.trace_view.visible_range()
        self.overview.set_page(start, stop)
        self.position_label.setText(
            f"{clock(start)}–{clock(stop)} of {clock(self.recording.duration)}   "
            f"{self.trace_view.page_s:g} s/page   {self.trace_view.sensitivity:g} µV/mm"
        )

    # ---- actions bound to keys ----------------------------------------------------------

    def action_next_page(self) -> None:
        self.trace_view.step_pages(1)

    def action_previous_page(self) -> None:
        self.trace_view.step_pages(-1)

    def action_scroll_forward(self) -> None:
        self.trace_view.step_pages(0.1)

    def action_scroll_backward(self) -> None:
        self.trace_view.step_pages(-0.1)

    def action_first_page(self) -> None:
        self.trace_view.set_start(0.0)

    def action_last_page(self) -> None:
        self.trace_view.set_start(self.trace_view.last_start())

    def _step_choice(self, combo: QComboBox, step: int) -> None:
        index = min(max(combo.currentIndex() + step, 0), combo.count() - 1)
        combo.setCurrentIndex(index)

    def action_more_sensitive(self) -> None:
        self._step_choice(self.sensitivity_box, -1)

    def action_less_sensitive(self) -> None:
        self._step_choice(self.sensitivity_box, 1)

    def action_longer_page(self) -> None:
        self._step_choice(self.page_box, 1)

    def action_shorter_page(self) -> None:
        self._step_choice(self.page_box, -1)

    def action_next_montage(self) -> None:
        self.montage_box.setCurrentIndex(
            (self.montage_box.currentIndex() + 1) % self.montage_box.count()
        )

    def _jump_to_highlight(self, direction: int) -> None:
        layer = self.trace_view.highlight_layer
        if not len(layer.starts):
            return
        centres = (layer.starts + layer.stops) / 2
        start, stop = self.trace_view.visible_range()
        here = (start + stop) / 2
        candidates = (
            centres[centres > here + 1e-3] if direction > 0 else centres[centres < here - 1e-3]
        )
        if len(candidates):
            self.trace_view.centre_on(candidates[0] if direction > 0 else candidates[-1])

    def action_next_highlight(self) -> None:
        self._jump_to_highlight(1)

    def action_previous_highlight(self) -> None:
        self._jump_to_highlight(-1)

    def action_analyze(self) -> None:
        pass

    def action_focus_prompt(self) -> None:
        pass

    def action_open_file(self) -> None:
        start_dir = str(Path(self.recording.path).parent) if self.recording is not None else ""
        name, _ = QFileDialog.getOpenFileName(self, "Open a recording", start_dir, EDF_FILTER)
        if name:
            self.open_file(name)

    def action_cancel(self) -> None:
        for job in self.jobs:
            job.cancel()

    def action_toggle_dark(self) -> None:
        self.set_dark(not self.dark)

    def action_help(self) -> None:
        self.keys_dialog = KeysDialog(self)
        self.keys_dialog.open()

    # ---- Qt events -------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [url for url in event.mimeData().urls() if url.isLocalFile()]
        if urls:
            self.open_file(urls[0].toLocalFile())
            event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.action_cancel()
        self.settings.set_window_state(self.saveGeometry(), self.saveState())
        self.settings.sync()
        super().closeEvent(event)
