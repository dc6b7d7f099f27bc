"""The main window: traces, overview strip, side panels, menus, status bar.

Everything slow (opening a file, loading the model, analysing, scoring a prompt) runs as a
:class:`~elm_desktop.gui.workers.Job` off the UI thread. Tests drive the window through its
public methods (``open_file``, ``analyze``, ``trace_view.step_pages``, ...), the same ones the
menus, toolbar and keys call.

What the panels show of a recording lives in its :class:`~elm_desktop.review.Review`, which the
window observes and replaces as a whole when another file opens; a job remembers the review it
was started for, and its result is dropped when that review is no longer the open one.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from elm_desktop.analysis import AnalysisResult
from elm_desktop.archive import content_hash
from elm_desktop.archive.deidentify import identifying_tokens
from elm_desktop.archive.ingest import model_id
from elm_desktop.archive.report_scrub import scrub_report
from elm_desktop.clinical import EmptyPromptError, check_prompt
from elm_desktop.clinical.muscle_artifact import muscle_words
from elm_desktop.clinical.posterior_rhythm import rhythm_words
from elm_desktop.clinical.report import DraftReport
from elm_desktop.clinical.signal_features import signal_words
from elm_desktop.errors import ElmError
from elm_desktop.gui import workers
from elm_desktop.gui.about import show_about
from elm_desktop.gui.cases_panel import CasesPanel
from elm_desktop.gui.compare_window import CompareWindow
from elm_desktop.gui.dialogs import RECORDING_FILTER, KeysDialog, show_error
from elm_desktop.gui.ecg_view import EcgView
from elm_desktop.gui.event_dialog import EventDialog
from elm_desktop.gui.events_panel import EventsPanel
from elm_desktop.gui.heart_rate_view import HeartRateStrip
from elm_desktop.gui.keymap import KEYMAP, key_sequences
from elm_desktop.gui.measure_panel import MeasurePanel, MeasureTools
from elm_desktop.gui.modality_models import ModalityModel, modality_models
from elm_desktop.gui.montage_menu import MontageMenu
from elm_desktop.gui.overview import OverviewStrip
from elm_desktop.gui.palette import LIGHT, apply_palette
from elm_desktop.gui.phenotype_panel import PhenotypePanel
from elm_desktop.gui.printing import PagePrinting
from elm_desktop.gui.prompt_panel import PromptPanel
from elm_desktop.gui.report_panel import ReportPanel, draft_html
from elm_desktop.gui.report_signoff import ReportSignoff
from elm_desktop.gui.settings import DEFAULTS, Settings
from elm_desktop.gui.trace_view import PAGE_LENGTHS_S, SENSITIVITIES_UV_MM, TraceView, clock
from elm_desktop.gui.trends_view import TrendsView
from elm_desktop.review import Change, DraftError, DraftStore, Review, StaleResultError
from elm_desktop.signals.ecg import EcgRecording
from elm_desktop.signals.event_files import (
    EventAutosave,
    export_with_events,
    is_sidecar,
    load_sidecar,
    recording_events,
    save_sidecar,
)
from elm_desktop.signals.events import Event, EventList
from elm_desktop.signals.modality import open_any
from elm_desktop.signals.montages import get_montage, list_montages
from elm_desktop.signals.recording import open_recording
from elm_desktop.signals.time_labels import TimeLabels

LFF_CHOICES_HZ = (None, 0.1, 0.3, 0.5, 1.0, 1.6, 5.0)
HFF_CHOICES_HZ = (None, 15.0, 30.0, 35.0, 50.0, 70.0)
NOTCH_CHOICES_HZ = (None, 50.0, 60.0)
NO_ECG_MODEL = (
    "No ECG model is installed: findings, prompts, drafts and similar cases for a 12-lead ECG "
    "come with one. The ECG is shown, with calipers."
)
ECG_NOT_ANALYSED = (
    "Analyse (Ctrl+R): the ECG's draft report and its similar prior ECG cases come with its scores."
)
NO_ECG_ARCHIVE = (
    "No similar ECG cases: there is no ECG archive yet (elm-desktop archive add DIR --model "
    "ECG_BUNDLE fills it; EEG cases are never offered for an ECG)."
)
EXPORT_FILTERS = {
    "txt": "Text (*.txt)",
    "pdf": "PDF (*.pdf)",
    "html": "HTML page (*.html)",
    "json": "JSON (*.json)",
    "edf": "EDF+ (*.edf)",
}
MAX_HIGHLIGHT_FRACTION = 0.05
"""The most attended crops (this fraction, at least three) above the mean weight are shaded."""


def _hz_label(value: float | None) -> str:
    return "off" if value is None else f"{value:g} Hz"


DraftAnswer = Literal["save", "discard", "cancel"]
"""What to do with unsaved draft edits before they would be lost."""


def _read_for_review(path: Path) -> tuple[str, object]:
    """Open a recording and read what the window shows first (off the UI thread).

    The annotations of an EDF+ file are spread over all its data records: a day-long file holds
    86,400 of them, 1.7 s to parse from a warm page cache, several seconds from a cold one, which
    the window would otherwise spend frozen when it first lists them.
    """
    modality, recording = open_any(path)
    # Cached properties the window shows at once, filled here in the job: an EEG's annotations,
    # an ECG's median-beat measurements.
    for prefilled in ("annotations", "beat_analysis"):
        if hasattr(recording, prefilled):
            getattr(recording, prefilled)
    return modality, recording


class MainWindow(QMainWindow):
    """The ELM Desktop main window.

    Signals
    -------
    recording_opened(object)
        A recording was opened and its first page drawn.
    error_shown(str)
        An error message was shown.
    analysis_finished(object)
        The analysis finished; the :class:`~elm_desktop.analysis.AnalysisResult` is shown.
    prompt_scored(object)
        A free-text prompt was scored (a :class:`~elm_desktop.clinical.PromptCurve`).
    compare_opened(object)
        A comparison window with a similar case opened.
    review_replaced(object)
        A new :class:`~elm_desktop.review.Review` (a newly opened recording) replaced the last.
    file_fingerprinted(object)
        The open recording's sha256 is known (its saved draft, if any, is shown).
    events_replaced(object)
        The open recording's :class:`~elm_desktop.signals.events.EventList` replaced the last.
    events_saved(object)
        The events were written to this sidecar (a Path).
    """

    recording_opened = Signal(object)
    error_shown = Signal(str)
    analysis_finished = Signal(object)
    prompt_scored = Signal(object)
    compare_opened = Signal(object)
    review_replaced = Signal(object)
    file_fingerprinted = Signal(object)
    events_replaced = Signal(object)
    events_saved = Signal(object)

    def __init__(
        self,
        settings: Settings | None = None,
        bundle_path: str | Path | None = None,
        archive_path: str | Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.models = modality_models(
            {"eeg": Path(bundle_path)} if bundle_path else None,
            {"eeg": Path(archive_path)} if archive_path else None,
        )
        """Each modality's bundle, engine, knowledge base and case archive, by name: an ECG
        is scored, matched and archived with the ECG's, never the EEG's (:attr:`model`)."""
        self.recording = None
        self.drafts = DraftStore()
        self.review: Review | None = None
        self.open_job: workers.Job | None = None
        self.analysis_job: workers.Job | None = None
        self.generation_job: workers.Job | None = None
        """The report generator writing the open recording's generated draft, if any."""
        self.compare_windows: list[CompareWindow] = []
        self.draft_question: Callable[[str], DraftAnswer] = self._ask_about_draft
        """Asked before unsaved draft edits would be lost; tests put their answer here."""
        self.event_list: EventList | None = None
        self.event_autosave = EventAutosave()
        self.events_question: Callable[[str], DraftAnswer] = self._ask_about_events
        """Asked before unsaved events would be lost; tests put their answer here."""
        self.event_dialog: EventDialog | None = None
        self.mark: tuple[float, int] | None = None
        """The last click on the traces (seconds, trace row): where a new event goes."""
        self.colours = LIGHT
        self.jobs: list[workers.Job] = []
        # The jobs the progress bar and Cancel button stand for (not the generated draft's,
        # which has its own Stop button in the report panel).
        self.progress_jobs: list[workers.Job] = []
        self.error_box: QMessageBox | None = None
        self.last_error: str | None = None
        self.dark = False
        self.setWindowTitle("ELM Desktop")
        self.setAcceptDrops(True)

        self.trace_view = TraceView()
        self.overview = OverviewStrip()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.trace_view, 1)
        # Above the overview strip, whose time axis (and clock) it shares.
        self.trends = TrendsView(time_axis=self.overview.axis)
        column.addWidget(self.trends, 0)
        self.heart_rate = HeartRateStrip()  # the EKG's rate, shown with the polygraphy
        column.addWidget(self.heart_rate, 0)
        column.addWidget(self.overview, 0)
        self.ecg_view = EcgView()
        self.ecg_recording: EcgRecording | None = None
        """The open 12-lead ECG; :attr:`recording` is then None (it is the open EEG)."""
        self.views = QStackedWidget()
        self.views.addWidget(central)
        self.views.addWidget(self.ecg_view)
        self.setCentralWidget(self.views)
        self.ecg_view.start_changed.connect(self._ecg_moved)
        self.trace_view.start_changed.connect(self._page_moved)
        self.trace_view.layout_changed.connect(self._page_moved)
        self.overview.time_clicked.connect(self.trace_view.centre_on)
        self.trends.time_clicked.connect(self.trace_view.centre_on)
        self.heart_rate.time_clicked.connect(self.trace_view.centre_on)
        self.clock_time = True
        """Times as the time of day (when the file has a start time), else elapsed."""
        self.measure = MeasureTools(self.trace_view, lambda: self.time_labels().start)
        self.trace_view.clicked.connect(self._traces_clicked)

        self._build_toolbar()
        self._build_docks()
        self._build_status_bar()
        self._build_key_actions()
        self._build_menus()
        self._restore_settings()
        self.montage_menu = MontageMenu(self)
        self.page_printing = PagePrinting(self)
        self.report_signoff = ReportSignoff(self)

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

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.lower().replace(" ", "-"))
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        self.phenotype_panel = PhenotypePanel()
        self.prompt_panel = PromptPanel()
        self.report_panel = ReportPanel()
        self.cases_panel = CasesPanel()
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.docks = [
            self._dock("Phenotypes", self.phenotype_panel, right),
            self._dock("Prompt", self.prompt_panel, right),
            self._dock("Similar cases", self.cases_panel, right),
            self._dock("Draft report", self.report_panel, right),
        ]
        self.tabifyDockWidget(self.docks[2], self.docks[3])
        self.docks[2].raise_()
        self._build_review_docks()
        self.resizeDocks([self.docks[0]], [430], Qt.Orientation.Horizontal)
        # About half the height for the findings: with the notices above them, less left the
        # table five rows at 1600 x 1000 (a new-user trial).
        self.resizeDocks([self.docks[0], self.docks[2]], [1, 1], Qt.Orientation.Vertical)
        self.phenotype_panel.finding_clicked.connect(self.show_finding)
        self.phenotype_panel.measured_link_clicked.connect(self.show_measured)
        self.prompt_panel.prompt_requested.connect(self.score_prompt)
        self.prompt_panel.prompt_selected.connect(self.show_prompt)
        self.prompt_panel.peak_clicked.connect(self.trace_view.centre_on)
        self.cases_panel.case_opened.connect(self.open_case)
        self.report_panel.edited.connect(self._draft_edited)
        self.report_panel.save_requested.connect(self.action_save_draft)
        self.report_panel.export_requested.connect(self.ask_and_export)
        self.report_panel.generated_adopted.connect(self.use_generated_draft)
        self.report_panel.generation_stop_requested.connect(self.stop_generation)

    def _build_review_docks(self) -> None:
        """The event list and the measurement read-out, in tabs beside the prompt."""
        self.events_panel = EventsPanel()
        self.measure_panel = MeasurePanel()
        right = Qt.DockWidgetArea.RightDockWidgetArea
        events_dock = self._dock("Events", self.events_panel, right)
        measure_dock = self._dock("Measurement", self.measure_panel, right)
        # One tab group under the findings: beside them, three docks stacked left the findings
        # table a row or two at 1600 x 1000 (a new-user trial).
        self.tabifyDockWidget(self.docks[3], self.docks[1])
        self.tabifyDockWidget(self.docks[1], events_dock)
        self.tabifyDockWidget(events_dock, measure_dock)
        self.docks[1].raise_()
        self.docks += [events_dock, measure_dock]
        self.events_panel.jump_requested.connect(self.jump_to_event)
        self.events_panel.add_requested.connect(self.ask_add_event)
        self.events_panel.edit_requested.connect(self.ask_edit_event)
        self.events_panel.delete_requested.connect(self.delete_event)
        self.events_panel.save_requested.connect(self.save_events)
        self.measure.reading_changed.connect(self.measure_panel.show_reading)
        self.measure.stats_changed.connect(self.measure_panel.show_stats)
        for shown in (self.measure.reading_changed, self.measure.stats_changed):
            shown.connect(lambda value: measure_dock.raise_() if value is not None else None)

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
        self.provenance_label = QLabel()
        self.familiarity_label = QLabel("")
        status.addWidget(self.position_label, 1)
        status.addPermanentWidget(self.job_label)
        status.addPermanentWidget(self.progress_bar)
        status.addPermanentWidget(self.cancel_button)
        status.addPermanentWidget(self.model_label)
        status.addPermanentWidget(self.provenance_label)
        status.addPermanentWidget(self.familiarity_label)
        self._show_provenance(self.model.provenance)

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
        file_menu.addAction(self.key_actions["save_draft"])
        file_menu.addAction(self.key_actions["save_events"])
        self.export_menu = file_menu.addMenu("&Export")
        for kind, text in (
            ("txt", "Draft as &text…"),
            ("pdf", "Draft as &PDF…"),
            ("html", "Analysis as &HTML…"),
            ("json", "Analysis as &JSON…"),
            ("edf", "Recording with your &events as EDF+…"),
        ):
            self._menu_action(
                self.export_menu, text, lambda _c=False, k=kind: self.ask_and_export(k)
            )
        self.export_menu.addSeparator()
        self.name_in_exports_action = self._menu_action(
            self.export_menu,
            "&Name the recording's file in exports",
            lambda checked: self.settings.set_value("export/file_name", checked),
        )
        self.name_in_exports_action.setCheckable(True)
        self.name_in_exports_action.setChecked(bool(self.settings.value("export/file_name")))
        file_menu.addSeparator()
        self._menu_action(file_menu, "&Quit", self.close)
        self.view_menu = bar.addMenu("&View")
        self.view_menu.addAction(self.key_actions["toggle_dark"])
        self.key_actions["toggle_trends"].setCheckable(True)
        self.view_menu.addAction(self.key_actions["toggle_trends"])
        self.key_actions["toggle_polygraphy"].setCheckable(True)
        self.view_menu.addAction(self.key_actions["toggle_polygraphy"])
        self.key_actions["toggle_clock_time"].setCheckable(True)
        self.view_menu.addAction(self.key_actions["toggle_clock_time"])
        self.view_menu.addSeparator()
        for dock in self.docks:
            self.view_menu.addAction(dock.toggleViewAction())
        events_menu = bar.addMenu("&Events")
        for name in (
            "add_event",
            "delete_event",
            "save_events",
            "next_event",
            "previous_event",
            "cursor_mode",
            "clear_measurement",
        ):
            events_menu.addAction(self.key_actions[name])
        analysis_menu = bar.addMenu("&Analysis")
        analysis_menu.addAction(self.key_actions["analyze"])
        analysis_menu.addAction(self.key_actions["cancel"])
        analysis_menu.addAction(self.key_actions["next_highlight"])
        analysis_menu.addAction(self.key_actions["previous_highlight"])
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.key_actions["help"])
        self._menu_action(
            help_menu,
            "&About ELM Desktop",
            lambda _checked=False: show_about(
                self,
                {
                    name: model.provenance if model.installed else None
                    for name, model in self.models.items()
                },
            ),
        )

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files()
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)
        for name in files:
            self.recent_menu.addAction(name).triggered.connect(
                lambda _checked=False, name=name: self.open_file(name)
            )
        if files:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("&Clear the list").triggered.connect(
                self.settings.clear_recent_files
            )

    def _restore_settings(self) -> None:
        # Read everything first: selecting one box writes the settings of the others.
        stored = {key: self.settings.value(key) for key in DEFAULTS}
        choices = [
            (self.montage_box, stored["display/montage"]),
            (self.page_box, stored["display/page_s"]),
            (self.sensitivity_box, stored["display/sensitivity_uv_mm"]),
            (self.lff_box, stored["display/lff_hz"] or None),
            (self.hff_box, stored["display/hff_hz"] or None),
            (self.notch_box, stored["display/notch_hz"] or None),
        ]
        for combo, data in choices:
            combo.blockSignals(True)
            self._select(combo, data)
            combo.blockSignals(False)
        self.trace_view.montage_name = self.montage_box.currentData()
        self.trace_view.page_s = self.page_box.currentData()
        self.trace_view.sensitivity = self.sensitivity_box.currentData()
        self._filters_changed()
        self.set_dark(bool(stored["display/dark"]))
        self.set_clock_time(bool(stored["display/clock_time"]))
        self.set_trends_shown(bool(stored["display/trends"]))
        self.set_polygraphy_shown(bool(stored["display/polygraphy"]))
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
        try:
            self.trace_view.set_montage(name)
        except ElmError as error:  # a montage file removed since it was listed
            self.show_error("Cannot show the montage", str(error))
            self.montage_menu.refresh()
            return
        self._select(self.montage_box, name)
        self.settings.set_value("display/montage", name)

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
        self.colours = apply_palette(QApplication.instance(), dark)
        self.trace_view.apply_colours(self.colours)
        self.overview.apply_colours(self.colours)
        self.trends.apply_colours(self.colours)
        self.heart_rate.apply_colours(self.colours)

    def time_labels(self) -> TimeLabels:
        """How times are written: the open recording's time of day, or elapsed time."""
        start = self.recording.patient.meas_date if self.recording is not None else None
        return TimeLabels(start if self.clock_time else None, self.clock_time)

    def set_clock_time(self, on: bool) -> None:
        """Write times as the time of day from the recording's start (``on``, when the file has
        one) or as elapsed time, on every time axis, the status bar, the event list and the
        measurement read-out."""
        self.clock_time = bool(on)
        self.settings.set_value("display/clock_time", self.clock_time)
        self.key_actions["toggle_clock_time"].setChecked(self.clock_time)
        labels = self.time_labels()
        self.trace_view.axis.set_time_labels(labels)
        self.overview.axis.set_time_labels(labels)
        self.prompt_panel.set_time_labels(labels)
        self.events_panel.set_time_labels(labels)
        self.measure.refresh()
        self._page_moved()

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
            self.progress_jobs = [other for other in self.progress_jobs if not other.done] + [job]
        self.jobs = [other for other in self.jobs if not other.done] + [job]
        return workers.start(job)

    def _job_progress(self, done: int, total: int, message: str) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)
        if message:
            self.job_label.setText(message)

    def _job_ended(self, job: workers.Job) -> None:
        self.progress_jobs = [o for o in self.progress_jobs if not o.done and o is not job]
        if self.progress_jobs:
            return
        self.job_label.setText("")
        self.progress_bar.setVisible(False)
        self.cancel_button.setVisible(False)

    def busy(self) -> bool:
        """Say whether any job is still running."""
        return any(not job.done for job in self.jobs)

    def open_file(self, path: str | Path) -> workers.Job | None:
        """Open a recording off the UI thread; show its first page when it is read.

        Unsaved draft edits are offered for saving first; None when the reviewer cancels.
        """
        if is_sidecar(path):
            self.show_error(
                "Not a recording",
                f"{Path(path).name} holds the events of a recording, not signals; open the "
                "recording beside it (its events come with it)",
            )
            return None
        action = f"open {Path(path).name}"
        if not self.confirm_draft_loss(action) or not self.confirm_event_loss(action):
            return None
        path = Path(path)
        # EEG or ECG, chosen by the file (the modality registry), not by its suffix alone.
        job = workers.Job(
            f"Opening {path.name}", lambda progress, cancel, partial: _read_for_review(path)
        )
        self.open_job = job
        return self.run_job(job, lambda opened: self._recording_ready(job, *opened))

    def _recording_ready(self, job: workers.Job, modality: str, recording) -> None:
        if job is not self.open_job:  # a file opened later takes precedence
            return
        # One view per modality of the registry (signals.modality.MODALITIES).
        {"eeg": self._eeg_ready, "ecg": self._ecg_ready}[modality](recording)

    def _eeg_ready(self, recording) -> None:
        """Show an EEG in the trace view, with its overview, trends, events and review."""
        if not recording.electrodes:  # nothing the montages can draw
            labels = [c.label for c in recording.channels]
            shown = ", ".join(labels[:4]) + (", ..." if len(labels) > 4 else "")
            self.show_error(
                "Cannot show the recording",
                f"{recording.path.name} has no EEG channel named as the 10-20 or 10-10 system "
                f"names electrodes (its channels: {shown or 'none'})",
            )
            return
        start = self.trace_view.start_s
        try:
            self.trace_view.set_recording(recording)
        except Exception as error:
            # The view took the new file before it failed: the last recording, or nothing,
            # goes back on screen, as everything else still shows the last one.
            self._restore_trace_view(start)
            self.show_error("Cannot show the recording", str(error))
            return
        self._show_view(None)
        self.recording = recording
        self.overview.set_duration(recording.duration)
        self.overview.set_annotations([a.onset for a in recording.annotations])
        self.trends.show_recording(recording)
        self.heart_rate.show_recording(recording)
        self._replace_review(Review(recording.path, self.drafts))
        self._replace_events(recording)
        self.set_clock_time(self.clock_time)  # this file's start time on the axes
        self.settings.add_recent_file(recording.path)
        self.setWindowTitle(f"{Path(recording.path).name} — ELM Desktop")
        self.recording_opened.emit(recording)
        self._fingerprint(self.review)

    def _restore_trace_view(self, start_s: float) -> None:
        """Put the open EEG back in the trace view at ``start_s``, with its events, or empty
        the view when none is open (or the open one cannot be read again: its file went
        away)."""
        if self.recording is not None:
            try:
                self.trace_view.set_recording(self.recording, start_s)
                self._show_events()
                return
            except Exception:  # an empty view, not a half-shown one
                pass
        self.trace_view.clear()

    def _show_view(self, ecg: EcgRecording | None) -> None:
        """Show the ECG view with ``ecg``, or the EEG view for None; the other is emptied."""
        self.ecg_recording = ecg
        self.ecg_view.set_recording(ecg)
        self.views.setCurrentWidget(self.ecg_view if ecg is not None else self.views.widget(0))
        self.toolbar.setVisible(ecg is None)  # montage, page and filters are the EEG view's
        self.prompt_panel.set_modality("ecg" if ecg is not None else "eeg")

    def _ecg_ready(self, recording: EcgRecording) -> None:
        """Show a 12-lead ECG; nothing of the last recording, EEG or ECG, stays on screen."""
        self._show_view(recording)
        self.recording = None
        self.trace_view.clear()  # hidden, but what compares and prints traces reads it
        self.prompt_panel.set_time_labels(self.time_labels())  # not the last EEG's clock
        self.trends.show_recording(None)
        self.heart_rate.show_recording(None)
        self._replace_review(Review(recording.path, self.drafts))
        self._drop_events()
        self.event_list = None
        self._show_events()
        self.events_replaced.emit(None)
        # Without an ECG model the panels say so rather than stay blank or show EEG results.
        installed = self.model.installed
        if not installed:
            self.phenotype_panel.notice.setText(NO_ECG_MODEL)
            self.prompt_panel.show_unavailable(NO_ECG_MODEL)
        self.cases_panel.set_cases([], ECG_NOT_ANALYSED if installed else NO_ECG_MODEL)
        self.report_panel.origin_label.setText(ECG_NOT_ANALYSED if installed else NO_ECG_MODEL)
        self._ecg_moved()
        self.settings.add_recent_file(recording.path)
        self.setWindowTitle(f"{recording.path.name} — ELM Desktop")
        self.recording_opened.emit(recording)
        self._fingerprint(self.review)  # its saved draft and sign-off are kept by the file's hash

    def _ecg_moved(self, *_args) -> None:
        if self.ecg_recording is None:
            return
        view, duration = self.ecg_view, self.ecg_recording.duration
        stop = min(view.start_s + view.page_s, duration)
        self.position_label.setText(
            f"12-lead ECG   {clock(view.start_s)}–{clock(stop)} of {clock(duration)}"
        )

    def _replace_review(self, review: Review) -> None:
        """Make ``review`` the open recording's state; nothing of the last one stays on screen."""
        old = self.review
        if old is not None:
            old.close()
            if self.analysis_job is not None:
                self.analysis_job.cancel()  # its result would be dropped anyway
                self.analysis_job = None
        self._drop_generation()
        for window in self.compare_windows:
            window.close()
        self.compare_windows = []
        self.statusBar().clearMessage()  # it may name the last recording's results
        self.prompt_panel.timer.stop()  # a phrase typed for the last recording is not scored
        # setText, not clear(): clear() can be undone, and Ctrl+Z would bring the last
        # recording's phrase back.
        self.prompt_panel.entry.setText("")
        self.review = review
        review.observe(lambda change: self._review_changed(review, change))
        for change in ("result", "prompts", "selection", "draft"):
            self._review_changed(review, change)
        self.review_replaced.emit(review)

    def _fingerprint(self, review: Review) -> None:
        """Hash the file off the UI thread (it can be gigabytes), then bring back its draft."""
        drafts = self.drafts

        def run(progress, cancel, partial):
            digest = content_hash(review.path)
            try:
                return digest, drafts.load(digest), None
            except DraftError as error:
                return digest, None, str(error)

        def ready(found) -> None:
            digest, saved, problem = found
            if review is not self.review:
                return
            review.set_file_sha256(digest, saved)
            if problem is not None:
                self.show_error("Saved draft", problem)
            self.file_fingerprinted.emit(review)

        self.run_job(workers.Job(f"Fingerprinting {review.path.name}", run), ready, False)

    @property
    def result(self):
        """The open recording's analysis, or None."""
        return None if self.review is None else self.review.result

    def _review_changed(self, review: Review, change: Change) -> None:
        """Redraw what ``change`` touched, if ``review`` is still the open recording's."""
        if review is not self.review:
            return
        {
            "hash": lambda: None,
            "result": self._show_result,
            "prompts": lambda: self.prompt_panel.show_history(review.prompts),
            "selection": self._show_selection,
            "draft": self._show_draft,
        }[change]()

    def show_error(self, title: str, message: str) -> None:
        """Show an error without blocking; the window stays usable."""
        self.last_error = message
        self.statusBar().showMessage(f"{title}: {message}", 10000)
        self.error_box = show_error(self, title, message)
        self.error_shown.emit(message)

    def still_open(self, review: Review | None, action: str) -> bool:
        """Whether ``review`` is still the open recording's after a dialog that ran its own
        event loop (a file chosen, a question answered), during which an open already under
        way may have finished; if another recording opened meanwhile, say that ``action`` was
        not done, for it belonged to the last one."""
        if review is self.review:
            return True
        self.show_error(
            action, "another recording was opened meanwhile; nothing was done: do it again"
        )
        return False

    # ---- the draft -------------------------------------------------------------------------

    def _ask_save_discard_cancel(self, title: str, question: str) -> DraftAnswer:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, title, question, buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save
        )
        return {buttons.Save: "save", buttons.Discard: "discard"}.get(answer, "cancel")

    def _ask_about_draft(self, action: str) -> DraftAnswer:
        return self._ask_save_discard_cancel(
            "Unsaved draft",
            f"The draft report of {self.review.path.name} has unsaved edits. "
            f"Save them before you {action}?",
        )

    def confirm_draft_loss(self, action: str) -> bool:
        """Ask about unsaved draft edits before ``action``; say whether to go ahead."""
        if self.review is None or not self.review.draft_edited:
            return True
        answer = self.draft_question(action)
        if answer == "save":
            return self.save_draft() is not None
        return answer == "discard"

    def save_draft(self) -> Path | None:
        """Save the draft on screen with the open recording; return the file, None on failure."""
        if self.review is None:
            return None
        editor = self.report_panel.editor
        try:
            self.review.save_draft(editor.toHtml(), editor.toPlainText())
        except ElmError as error:
            self.show_error("Cannot save the draft", str(error))
            return None
        self.statusBar().showMessage(f"Draft of {self.review.path.name} saved", 5000)
        return self.drafts.path(self.review.file_sha256)

    def _draft_edited(self) -> None:
        if self.review is not None:
            self.review.mark_draft_edited()

    def _show_draft(self) -> None:
        review = self.review
        if review.draft_edited:
            return  # the editor holds the reviewer's text
        if review.saved_draft is not None:
            self.report_panel.show_html(
                review.saved_draft.html,
                f"Your draft of this recording, saved {review.saved_draft.saved_at}.",
            )
        elif review.result is not None and review.result.draft is not None:
            self.report_panel.show_html(
                draft_html(review.result.draft), "The model's draft: edit it, then save it."
            )
        else:
            self.report_panel.clear()

    # ---- analysis ------------------------------------------------------------------------

    @property
    def modality(self) -> str:
        """The open recording's modality (``"eeg"`` before any is open)."""
        return "ecg" if self.ecg_recording is not None else "eeg"

    @property
    def model(self) -> ModalityModel:
        """The model of the open recording's modality (:attr:`models`)."""
        return self.models[self.modality]

    @property
    def open_recording(self):
        """The open recording, EEG or ECG, or None."""
        return self.ecg_recording if self.ecg_recording is not None else self.recording

    def _analyze_ecg(self) -> workers.Job | None:
        """Score the open ECG with the ECG model off the UI thread (a 10 s ECG: well under 1 s)."""
        model = self.model
        if not model.installed:
            self.statusBar().showMessage(NO_ECG_MODEL, 10000)
            return None
        if self.analysis_job is not None and not self.analysis_job.done:
            return self.analysis_job
        if not self.confirm_draft_loss("analyse the ECG again"):
            return None
        review = self.review
        review.discard_draft_edits()
        path, prompts = review.path, list(review.prompts)
        archive_path = model.archive_path

        def run(progress, cancel, partial):
            from elm_desktop.archive import open_archive

            progress(0, 0, "loading the ECG model")
            engine = model.load()
            archive = open_archive(archive_path) if archive_path.exists() else None
            try:
                return model.analysis.analyze(
                    path, engine, prompts=prompts, progress=progress, cancel=cancel, archive=archive
                )
            finally:
                if archive is not None:
                    archive.close()

        job = workers.Job(f"Analysing {path.name}", run)
        self.analysis_job = self.run_job(job, lambda result: self._analysis_ready(review, result))
        return self.analysis_job

    def model_description(self) -> str:
        """Return the model name and execution provider for the status bar."""
        engine = self.model.engine
        if engine is None:
            return "Model: not loaded"
        provider = engine.provider.replace("ExecutionProvider", "")
        return f"Model: {model_id(engine)} · {provider}"

    def analyze(self) -> workers.Job | None:
        """Analyse the open recording off the UI thread, drawing partial results as they come.

        Unsaved draft edits are offered for saving first (the new analysis brings a new
        draft); None when the reviewer cancels.
        """
        if self.review is None:
            self.show_error("Nothing to analyse", "open a recording first (Ctrl+O)")
            return None
        if self.ecg_recording is not None:
            return self._analyze_ecg()
        if self.analysis_job is not None and not self.analysis_job.done:
            return self.analysis_job
        if not self.confirm_draft_loss("analyse the recording again"):
            return None
        review = self.review
        review.discard_draft_edits()
        path = review.path
        prompts = list(review.prompts)
        model = self.model
        archive_path = model.archive_path

        def run(progress, cancel, partial):
            from elm_desktop.analysis import analyze
            from elm_desktop.archive import open_archive

            progress(0, 0, "loading the model")
            engine = model.load()
            archive = open_archive(archive_path) if archive_path.exists() else None
            try:
                # The generated draft streams from a job of its own (_start_generation).
                return analyze(
                    path, engine, archive, prompts, progress, cancel, partial, generate=False
                )
            finally:
                if archive is not None:
                    archive.close()

        self._drop_generation()  # the new analysis brings its own
        job = workers.Job(f"Analysing {path.name}", run)
        job.signals.partial.connect(
            lambda result: self._show_attention(result) if review is self.review else None
        )
        # Named: a recording opened since cancels it, and the message then shows beside the
        # new one.
        job.signals.cancelled.connect(
            lambda: self.statusBar().showMessage(f"Analysis of {path.name} cancelled", 5000)
        )
        self.analysis_job = self.run_job(job, lambda result: self._analysis_ready(review, result))
        # Edits typed now would be overwritten by the new draft: none until it is shown.
        self.report_panel.editor.setReadOnly(True)
        for ended in (job.signals.failed, job.signals.cancelled):
            ended.connect(lambda *_args: self.report_panel.editor.setReadOnly(False))
        return self.analysis_job

    def _show_attention(self, result) -> None:
        """Draw attention bars and highlighted crops (partial or final results)."""
        self.model_label.setText(self.model_description())
        weights = result.attention.astype(float)
        self.overview.set_attention(result.crop_starts_s, result.window_s, weights)
        if not len(weights):
            self.trace_view.set_highlights([], [], [])
            return
        mean = float(weights.mean())
        limit = max(3, int(len(weights) * MAX_HIGHLIGHT_FRACTION))
        chosen = np.argsort(weights)[::-1][:limit]
        chosen = chosen[weights[chosen] > mean]
        spread = max(float(weights.max()) - mean, 1e-12)
        self.trace_view.set_highlights(
            result.crop_starts_s[chosen],
            np.full(len(chosen), result.window_s),
            0.35 + 0.65 * (weights[chosen] - mean) / spread,
        )

    def _analysis_ready(self, review: Review, result) -> None:
        if review is not self.review:  # a recording opened since: its analysis is not this one
            return
        try:
            review.set_result(result)
        except ElmError as error:
            self.show_error("Analysis of another file", str(error))
            return
        unit = f"{result.window_s:g} s window" if self.ecg_recording is not None else "crop"
        plural = "" if result.n_crops == 1 else "s"
        self.statusBar().showMessage(
            f"Analysed {result.n_crops} {unit}{plural} in {result.timings.get('total', 0.0):.1f} s",
            8000,
        )
        self.analysis_finished.emit(result)
        if self.ecg_recording is None and self.model.engine.bundle.generator is not None:
            self._start_generation(review, result)

    # ---- the generated draft ---------------------------------------------------------------

    def _start_generation(self, review: Review, result) -> workers.Job:
        """Have the bundle's report generator write a draft of ``result``, streamed to the panel.

        What it streams or returns is shown only while ``review`` is the open recording and
        the job is the latest generation (a recording opened since cancels and discards it).
        """
        engine, knowledge_base = self.model.engine, self.model.knowledge_base

        def run(progress, cancel, partial):
            from elm_desktop.analysis import generate_draft

            return generate_draft(result, engine, knowledge_base, on_text=partial, cancel=cancel)

        job = workers.Job(f"Writing the generated draft of {review.path.name}", run)

        def current() -> bool:
            return job is self.generation_job and review is self.review

        def finished(draft) -> None:
            if current():
                result.generated = draft  # exports of this result carry it
                self.report_panel.show_generated(draft)

        job.signals.partial.connect(
            lambda text: self.report_panel.stream_generated(text) if current() else None
        )
        self.generation_job = job
        self.report_panel.start_generated()
        return self.run_job(job, finished, show_progress=False)

    def stop_generation(self) -> None:
        """Stop the report generator; the draft written so far is kept and checked."""
        if self.generation_job is not None:
            self.generation_job.cancel()

    def use_generated_draft(self) -> bool:
        """Make the generated draft, as edited in its panel, the report (to save and export).

        Unsaved edits of the report are asked about first; say whether the draft was taken.
        """
        result = self.review.result if self.review is not None else None
        generated = result.generated if result is not None else None
        if generated is None or generated.withheld:
            return False
        if not self.confirm_draft_loss("replace it with the generated draft"):
            return False
        self.report_panel.show_html(
            self.report_panel.generated_editor.toHtml(),
            f"The generated draft by {generated.generator}, with your edits: "
            "check the marked sentences, then save it.",
        )
        self.review.mark_draft_edited()  # what the editor holds is not yet saved
        return True

    def _drop_generation(self) -> None:
        """Cancel the generator and forget its draft (another recording or analysis comes)."""
        if self.generation_job is not None:
            self.generation_job.cancel()
            self.generation_job = None
        self.report_panel.clear_generated()

    def _show_result(self) -> None:
        """Show the open recording's analysis in every panel, or that there is none."""
        result = self.review.result
        self.prompt_panel.clear()  # the prompts' history follows ("prompts")
        if result is None:
            self.overview.set_attention(np.zeros(0), 0.0, np.zeros(0))
            self.trace_view.set_highlights([], [], [])
            self.phenotype_panel.clear()
            self._show_model_of_open_recording()
            self._show_familiarity(None)
            self.cases_panel.clear()
            return
        ecg = self.ecg_recording is not None
        if ecg:  # no attention to draw on an ECG's one or few windows
            self.model_label.setText(f"Model: {model_id(self.model.engine)}")
        else:
            self._show_attention(result)
        self.phenotype_panel.set_scores(
            result.findings,
            self.model.knowledge_base,
            result.notice,
            unassessed=result.draft.unassessed if result.draft is not None else (),
            held=_neither_stated_nor_denied(result.draft),
            stated=result.draft.asserted if result.draft is not None else None,
        )
        self.phenotype_panel.set_measured(
            "" if ecg else _measured_text(result),
            ""
            if ecg or result.signal_features is None
            else f"Signal: {signal_words(result.signal_features)}",
        )
        self._show_provenance(result.provenance)
        self._show_familiarity(result.familiarity)
        no_archive = ecg and not result.similar_cases and not self.model.archive_path.exists()
        self.cases_panel.set_cases(result.similar_cases, NO_ECG_ARCHIVE if no_archive else None)
        if not result.zero_shot:
            self.prompt_panel.show_unavailable(result.notice or "")

    def _show_model_of_open_recording(self) -> None:
        """Name the model of the open recording's modality and what it was trained on, before
        it has a result: an ECG never shows the EEG model's name, nor an EEG the ECG model's."""
        model = self.model
        if self.ecg_recording is None:
            self.model_label.setText(self.model_description())
            self._show_provenance(model.provenance)
        elif model.installed:
            engine = model.engine
            loaded = f"Model: {model_id(engine)}" if engine is not None else "Model: not loaded"
            self.model_label.setText(loaded)
            self._show_provenance(model.provenance)
        else:
            self.model_label.setText("Model: no ECG model installed")
            self._show_provenance("")

    def _show_provenance(self, statement: str) -> None:
        """Say what the model was trained on: in the phenotype panel and the status bar up to its
        first colon (the demo's "synthetic EEG only"), whole in their tooltips (whole, it took
        the panel's room from the scores); nothing when there is no model."""
        self.phenotype_panel.set_provenance(statement)
        self.provenance_label.setText(f"Trained on: {statement.split(':')[0]}" if statement else "")
        self.provenance_label.setToolTip(
            f"What the model was trained on: {statement}" if statement else ""
        )

    def _show_familiarity(self, familiarity) -> None:
        """Say in the status bar whether the recording is like the model's training data."""
        if familiarity is None:
            self.familiarity_label.setText("")
            self.familiarity_label.setToolTip("")
            return
        if familiarity.unfamiliar:
            self.familiarity_label.setText("<b>Unlike the training data: scores may not apply</b>")
        else:
            # With how close: a draft generator may still hold back a recording this label
            # calls familiar (it writes for the most typical only), and should not seem to
            # contradict it (a new-user trial).
            self.familiarity_label.setText(
                f"Like the training data ({familiarity.percentile:.0%} of its held-out "
                "recordings closer)"
            )
        self.familiarity_label.setToolTip(familiarity.statement)

    def _show_selection(self) -> None:
        """Draw the selected finding's or prompt's curve on the overview (or none)."""
        review = self.review
        result = review.result
        if review.selection is None or result is None:
            self.overview.set_prompt_curve(np.zeros(0), 0.0, np.zeros(0))
            self.phenotype_panel.table.clearSelection()
            return
        kind, key = review.selection
        if kind == "finding":
            curve = result.finding(key).crop_probability
        else:
            prompt = review.prompts[key]
            curve = prompt.probability
            self.prompt_panel.show_curve(prompt, result.crop_starts_s, result.window_s)
            self.phenotype_panel.table.clearSelection()
        self.overview.set_prompt_curve(result.crop_starts_s, result.window_s, curve)

    def show_measured(self, what: str) -> None:
        """Go to where a measurement is strongest ("muscle": the crop of the largest index)."""
        muscle = None if self.result is None else self.result.muscle_artifact
        if what == "muscle" and muscle is not None and muscle.strongest_s is not None:
            self.trace_view.centre_on(muscle.strongest_s + self.result.window_s / 2)

    def show_finding(self, finding_id: str) -> None:
        """Jump to a finding's top segment (its own evidence) and draw its per-crop curve."""
        if self.result is None:
            return
        self.review.select("finding", finding_id)
        score = self.result.finding(finding_id)
        if score.top_segments and self.ecg_recording is None:
            top = score.top_segments[0]
            self.trace_view.centre_on((top.start_s + top.end_s) / 2)

    def score_prompt(self, prompt: str) -> workers.Job | None:
        """Score a free-text prompt from the cached crop embeddings, off the UI thread."""
        try:
            prompt = check_prompt(prompt)
        except EmptyPromptError as error:
            self.prompt_panel.show_unavailable(str(error))
            return None
        if self.ecg_recording is not None and not self.model.installed:
            self.prompt_panel.show_unavailable(NO_ECG_MODEL)
            return None
        review = self.review
        if review is None or review.result is None:
            self.prompt_panel.show_unavailable("Analyse the recording first (Ctrl+R).")
            return None
        if prompt in review.prompts:
            self.show_prompt(prompt)
            return None
        if not review.result.zero_shot:
            self.prompt_panel.show_unavailable(review.result.notice or "")
            return None
        result = review.result
        engine = self.model.engine

        def run(progress, cancel, partial):
            from elm_desktop.analysis import score_prompt

            return score_prompt(result, engine, prompt)

        def ready(curve) -> None:
            if review is self.review and review.result is result:
                review.add_prompt(curve)
                self.prompt_scored.emit(curve)

        job = workers.Job(f"Scoring “{prompt}”", run)
        return self.run_job(job, ready, show_progress=False)

    def show_prompt(self, prompt: str) -> None:
        """Show a scored prompt of the open recording: its probability, curve and peaks."""
        if self.review is not None and prompt in self.review.prompts:
            self.review.select("prompt", prompt)

    def open_case(self, row: int) -> workers.Job:
        """Open similar case ``row`` in a comparison window (its file is read off the UI thread)."""
        hit = self.cases_panel.hits[row]
        review = self.review
        # An ECG is not drawn in a trace view: its case is compared by its report alone.
        eeg = self.modality == "eeg"

        def run(progress, cancel, partial):
            source = Path(hit.case.source) if eeg and hit.case.source else None
            return open_recording(source) if source is not None and source.exists() else None

        def ready(case_recording) -> None:
            if review is self.review and review.result is not None:
                self._show_compare(review.result, hit, case_recording)

        job = workers.Job(f"Opening case {hit.case.case_id}", run)
        return self.run_job(job, ready)

    def _show_compare(self, result, hit, case_recording) -> None:
        query = hit.best_crop.query_crop
        query_start = float(result.crop_starts_s[query]) if query is not None else None
        current = self.trace_view if self.modality == "eeg" else None
        compare = CompareWindow(
            current, hit, case_recording, result.window_s, query_start, self.colours
        )
        compare.show()
        self.compare_windows.append(compare)
        self.compare_opened.emit(compare)

    # ---- events ----------------------------------------------------------------------------

    def _replace_events(self, recording) -> None:
        """Show the events of a newly opened recording: its own annotations, its sidecar, and
        any unsaved events the autosave kept; nothing of the last recording's stays."""
        self._drop_events()
        types = self.settings.event_types()
        problems = []
        try:
            saved = load_sidecar(recording, types)
        except ElmError as error:
            saved, problems = [], [str(error)]
        try:
            kept = self.event_autosave.load(recording)
        except ElmError as error:
            kept, problems = None, [*problems, str(error)]
        file_events = recording_events(recording, types)
        try:
            events = EventList(
                recording.duration,
                recording.sfreq,
                file_events,
                saved if kept is None else kept,
                unsaved=kept is not None,
            )
        except ElmError as error:  # an autosave that no longer fits the file
            problems.append(f"the unsaved events kept for this recording do not fit it: {error}")
            events = EventList(recording.duration, recording.sfreq, file_events, saved)
        self.event_list = events
        events.observe(lambda: self._events_changed(events))
        self._show_events()
        if kept is not None:
            self.statusBar().showMessage(
                f"Unsaved changes to the events of {recording.path.name} recovered "
                f"({len(kept)} events of yours): save them (Ctrl+E) or discard them when asked",
                10000,
            )
        if problems:
            self.show_error("Events", "; ".join(problems))
        self.events_replaced.emit(events)

    def _drop_events(self) -> None:
        """Let go of the last recording's events, event dialog, measurement and mark."""
        if self.event_list is not None:
            self.event_list.close()
        if self.event_dialog is not None:
            self.event_dialog.reject()  # it was asking about the last recording
        self.measure.clear()
        self.mark = None

    def _events_changed(self, events: EventList) -> None:
        if events is not self.event_list:
            return
        try:
            self.event_autosave.save(self.recording, events.reviewer_events)
        except ElmError as error:
            self.statusBar().showMessage(str(error), 10000)
        self._show_events()

    def _show_events(self) -> None:
        events = self.event_list
        self.events_panel.set_events(events, self.settings.event_types())
        mine = events.reviewer_events if events is not None else ()
        self.overview.set_annotations([e.onset for e in events.events] if events else [])
        self.trace_view.set_events(
            [e.onset for e in mine],
            [e.duration for e in mine],
            [e.label for e in mine],
            [e.channel for e in mine],
        )

    def _traces_clicked(self, time_s: float, row: int) -> None:
        if not self.measure.cursor_mode:
            self.mark = (time_s, row)

    def add_event(self, event: Event) -> Event | None:
        """Add a reviewer's event to the open recording; None (and a message) if it is refused."""
        if self.event_list is None:
            self.show_error("No recording", "open a recording before adding events (Ctrl+O)")
            return None
        try:
            kept = self.event_list.add(event)
        except ElmError as error:
            self.show_error("Cannot add the event", str(error))
            return None
        self.settings.add_event_type(kept.kind)
        return kept

    def edit_event(self, old: Event, new: Event) -> Event | None:
        """Replace a reviewer's event; None (and a message) if the change is refused."""
        try:
            kept = self.event_list.replace(old, new)
        except ElmError as error:
            self.show_error("Cannot change the event", str(error))
            return None
        self.settings.add_event_type(kept.kind)
        return kept

    def delete_event(self, event: Event) -> None:
        """Delete a reviewer's event (the file's own annotations stay)."""
        try:
            self.event_list.remove(event)
        except ElmError as error:
            self.show_error("Cannot delete the event", str(error))

    def new_event_template(self) -> Event:
        """Where a new event goes: the selection box, else the last click, else the page centre."""
        if self.measure.box is not None:
            start, stop, first_row, last_row = self.measure.box
            labels = self.trace_view.labels
            channel = labels[first_row] if first_row == last_row < len(labels) else None
            return Event(max(start, 0.0), max(stop - start, 0.0), "spike", channel=channel)
        if self.mark is not None:
            return Event(max(self.mark[0], 0.0), 0.0, "spike")
        start, stop = self.trace_view.visible_range()
        return Event((start + stop) / 2, 0.0, "spike")

    def _event_dialog(self, event: Event, title: str, accepted) -> EventDialog | None:
        if self.event_list is None:
            self.show_error("No recording", "open a recording before adding events (Ctrl+O)")
            return None
        dialog = EventDialog(
            event,
            self.settings.event_types(),
            [label for label in self.trace_view.labels if not label.endswith("(absent)")],
            self.event_list.duration_s,
            title,
            self,
        )
        events = self.event_list
        dialog.accepted.connect(
            lambda: accepted(dialog.chosen()) if events is self.event_list else None
        )
        self.event_dialog = dialog
        dialog.open()
        return dialog

    def ask_add_event(self) -> EventDialog | None:
        """Open the dialog for a new event where the reviewer marked the traces."""
        return self._event_dialog(self.new_event_template(), "Add event", self.add_event)

    def ask_edit_event(self, event: Event) -> EventDialog | None:
        """Open the dialog that changes a reviewer's event."""
        if event.read_only:
            self.show_error(
                "Cannot change the event",
                f"“{event.label}” is an annotation of the recording file; add your own beside it",
            )
            return None
        return self._event_dialog(event, "Edit event", lambda new: self.edit_event(event, new))

    def jump_to_event(self, event: Event) -> None:
        """Show the page around an event."""
        self.trace_view.centre_on(event.onset + event.duration / 2)

    def _jump_event(self, direction: int) -> None:
        if self.event_list is None:
            return
        start, stop = self.trace_view.visible_range()
        here = (start + stop) / 2
        kinds = self.events_panel.selected_kinds()
        found = (
            self.event_list.next_after(here, kinds)
            if direction > 0
            else self.event_list.previous_before(here, kinds)
        )
        if found is not None:
            self.trace_view.centre_on(found.onset)

    def save_events(self) -> Path | None:
        """Write the reviewer's events to the sidecar beside the recording; None on failure."""
        if self.event_list is None:
            return None
        try:
            path = save_sidecar(self.recording, self.event_list.reviewer_events)
        except ElmError as error:
            self.show_error("Cannot save the events", str(error))
            return None
        self.event_list.mark_saved()
        self.event_autosave.discard(self.recording.path)
        self._show_events()
        self.statusBar().showMessage(f"Events saved to {path.name}", 5000)
        self.events_saved.emit(path)
        return path

    def export_events_copy(self, path: str | Path) -> workers.Job | None:
        """Write a copy of the recording with the reviewer's events as EDF+ (off the UI thread)."""
        if self.event_list is None:
            self.show_error("Nothing to export", "open a recording first (Ctrl+O)")
            return None
        recording, events = self.recording, self.event_list.reviewer_events

        known = identifying_tokens(recording.patient)

        def run(progress, cancel, partial):
            # The header is anonymised in the copy; so is what annotations say of the patient.
            return export_with_events(
                recording, events, path, scrub_text=lambda text: scrub_report(text, known)
            )

        def ready(written: Path) -> None:
            self.statusBar().showMessage(f"Written to {written}", 5000)

        return self.run_job(workers.Job(f"Writing {Path(path).name}", run), ready)

    def _ask_about_events(self, action: str) -> DraftAnswer:
        return self._ask_save_discard_cancel(
            "Unsaved events",
            f"The events of {Path(self.recording.path).name} have unsaved changes. "
            f"Save them beside the recording before you {action}?",
        )

    def confirm_event_loss(self, action: str) -> bool:
        """Ask about unsaved events before ``action``; say whether to go ahead."""
        if self.event_list is None or not self.event_list.unsaved:
            return True
        answer = self.events_question(action)
        if answer == "save":
            return self.save_events() is not None
        if answer == "discard":
            self.event_autosave.discard(self.recording.path)
            return True
        return False

    # ---- exports ---------------------------------------------------------------------------

    def export(self, path: str | Path) -> Path:
        """Export the open recording's draft (``.txt``, ``.pdf``) or analysis (``.html``, ``.json``).

        Every export names the recording's file and its sha256.

        Raises
        ------
        StaleResultError
            Nothing to export, or the analysis does not belong to the recording on screen.
        """
        path = Path(path)
        if self.review is None:
            raise StaleResultError("open and analyse a recording before exporting")
        suffix = path.suffix.lower()
        if suffix in (".html", ".json"):
            from elm_desktop.clinical.html import render_html
            from elm_desktop.outputs import strict_json

            named = self.names_file_in_exports
            summary = self.review.exportable_result().to_dict(include_file_name=named)
            if suffix == ".json":
                text = strict_json(summary, indent=1)
            else:
                figures = self.model.analysis.html_figures(self.review.path, summary)
                text = render_html(summary, figures)
            path.write_text(text, encoding="utf-8")
        else:
            self.report_panel.export(path, self.review.export_header(self.names_file_in_exports))
        if not path.is_file():  # Qt's PDF writer fails without saying so
            raise OSError(f"{path} could not be written")
        self.statusBar().showMessage(f"Written to {path}", 5000)
        return path

    @property
    def names_file_in_exports(self) -> bool:
        """Whether exports name the recording's file (File > Export; off by default: a file
        name may carry the patient's), else its opaque id as ``analyze`` writes it."""
        return bool(self.settings.value("export/file_name"))

    def ask_and_export(self, kind: str) -> None:
        """Ask where to write an export of ``kind`` (txt, pdf, html, json) and write it."""
        review = self.review
        name, _ = QFileDialog.getSaveFileName(
            self, "Export", f"report.{kind}", EXPORT_FILTERS[kind]
        )
        if not name or not self.still_open(review, "Not exported"):
            return
        path = Path(name)
        if path.suffix.lower() != f".{kind}":  # the menu item decides what is written
            path = path.with_name(f"{path.name}.{kind}")
        if kind == "edf":
            self.export_events_copy(path)
            return
        try:
            self.export(path)
        except (ElmError, OSError) as error:
            self.show_error("Cannot export", str(error))

    def _page_moved(self, *_args) -> None:
        if self.recording is None:
            return
        start, stop = self.trace_view.visible_range()
        self.overview.set_page(start, stop)
        self.trends.set_page(start, stop)
        self.heart_rate.set_page(start, stop)
        labels = self.time_labels()
        where = f"{clock(start)}–{clock(stop)} of {clock(self.recording.duration)}"
        if labels.of_day:  # the time of day, then how far in
            where = f"{labels(start)}–{labels(stop)}   {clock(start)} of {clock(self.recording.duration)}"
        self.position_label.setText(
            f"{where}   {self.trace_view.page_s:g} s/page   {self.trace_view.sensitivity:g} µV/mm"
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

    def action_rows_down(self) -> None:
        self.trace_view.scroll_rows(1)

    def action_rows_up(self) -> None:
        self.trace_view.scroll_rows(-1)

    def action_rows_page_down(self) -> None:
        self.trace_view.scroll_rows(self.trace_view.rows_on_screen())

    def action_rows_page_up(self) -> None:
        self.trace_view.scroll_rows(-self.trace_view.rows_on_screen())

    def action_select_channels(self) -> None:
        self.montage_menu.open_selection()

    def action_edit_montages(self) -> None:
        self.montage_menu.open_editor()

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

    def action_next_event(self) -> None:
        self._jump_event(1)

    def action_previous_event(self) -> None:
        self._jump_event(-1)

    def action_add_event(self) -> None:
        self.ask_add_event()

    def action_delete_event(self) -> None:
        event = self.events_panel.selected()
        if event is not None:
            self.delete_event(event)

    def action_save_events(self) -> None:
        self.save_events()

    def action_cursor_mode(self) -> None:
        self.measure.set_cursor_mode(not self.measure.cursor_mode)
        self.statusBar().showMessage(
            "Cursor mode: click the traces to place cursor 1, then 2 (C to leave)"
            if self.measure.cursor_mode
            else "Cursor mode off",
            5000,
        )

    def action_clear_measurement(self) -> None:
        self.measure.clear()

    def action_analyze(self) -> None:
        self.analyze()

    def action_focus_prompt(self) -> None:
        self.prompt_panel.focus_entry()

    def action_open_file(self) -> None:
        start_dir = str(self.review.path.parent) if self.review is not None else ""
        name, _ = QFileDialog.getOpenFileName(self, "Open a recording", start_dir, RECORDING_FILTER)
        if name:
            self.open_file(name)

    def action_save_draft(self) -> None:
        self.save_draft()

    def action_cancel(self) -> None:
        for job in self.progress_jobs:  # the generated draft has its own Stop
            job.cancel()

    def action_toggle_dark(self) -> None:
        self.set_dark(not self.dark)

    def set_trends_shown(self, shown: bool) -> None:
        """Show or hide the trends area (remembered); shown, it computes what it lacks."""
        self.trends.set_shown(shown)
        self.settings.set_value("display/trends", self.trends.wanted)
        self.key_actions["toggle_trends"].setChecked(self.trends.wanted)

    def action_toggle_trends(self) -> None:
        self.set_trends_shown(not self.trends.wanted)

    def set_polygraphy_shown(self, shown: bool) -> None:
        """Draw the polygraphic rows and the heart-rate strip, or not (remembered)."""
        self.trace_view.set_polygraphy(shown)
        self.heart_rate.set_shown(shown)
        self.settings.set_value("display/polygraphy", bool(shown))
        self.key_actions["toggle_polygraphy"].setChecked(bool(shown))

    def action_toggle_polygraphy(self) -> None:
        self.set_polygraphy_shown(not self.trace_view.show_polygraphy)

    def action_toggle_clock_time(self) -> None:
        self.set_clock_time(not self.clock_time)

    def action_print_pages(self) -> None:
        self.page_printing.ask("print")

    def action_report_signoff(self) -> None:
        self.report_signoff.open()

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
        if not self.confirm_draft_loss("close the window") or not self.confirm_event_loss(
            "close the window"
        ):
            event.ignore()
            return
        for job in self.jobs:  # every job, shown or not
            job.cancel()
        self._drop_generation()  # its streamed text must not reach a closed window's panel
        self.trends.cancel()
        self.heart_rate.cancel()
        for window in self.compare_windows:
            window.close()
        self.settings.set_window_state(self.saveGeometry(), self.saveState())
        self.settings.sync()
        super().closeEvent(event)


def _neither_stated_nor_denied(draft: DraftReport | None) -> dict[str, str] | None:
    """What the draft holds, and the findings under their thresholds it does not rule out
    (an ECG's ST raised as a STEMI's criterion asks: a trial saw that row drawn plain, its
    tooltip silent), each with why; None without a draft."""
    if draft is None:
        return None
    return {**{f: f"not ruled out: {why}" for f, why in draft.unruled.items()}, **draft.held}


def _measured_text(result: AnalysisResult) -> str:
    """The phenotype panel's measured line of an EEG result (rich text): the posterior rhythm,
    the muscle artifact, linked to where it is strongest, photic driving where it was measured,
    and the signal's band powers (the other features in the tooltip)."""
    rhythm = html.escape(rhythm_words(result.posterior_rhythm))
    muscle = html.escape(muscle_words(result.muscle_artifact))
    if result.muscle_artifact is not None and result.muscle_artifact.strongest_s is not None:
        muscle = f'<a href="muscle">{muscle}</a>'
    signal = (
        f"<br>Signal: {html.escape(signal_words(result.signal_features, brief=True))} (more: hover)"
        if result.signal_features is not None
        else ""
    )
    driving = (
        f"<br>Photic driving: {html.escape(result.photic_driving.words())}"
        if result.photic_driving is not None
        else ""
    )
    return f"Posterior rhythm: {rhythm}<br>Muscle artifact: {muscle}{driving}{signal}"
