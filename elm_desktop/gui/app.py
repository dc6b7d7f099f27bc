"""Starting the program: the application object, the main window, and the screenshot mode."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from elm_desktop.gui.main_window import MainWindow
from elm_desktop.version import VERSION

APP_NAME = "ELM Desktop"
SCREENSHOT_TIMEOUT_MS = 300_000


def application() -> QApplication:
    """Return the running :class:`QApplication`, creating it if needed."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(VERSION)
    app.setOrganizationName("ELM")
    return app


def demo_recording() -> Path:
    """Build the demo data once (idempotent) and return the demo recording."""
    from elm_desktop.paths import demo_dir
    from elm_desktop.synth import build_demo

    return build_demo(demo_dir()).recording


def run(
    path: str | Path | None = None,
    analyze: bool = False,
    screenshot: str | Path | None = None,
    bundle: str | Path | None = None,
    archive: str | Path | None = None,
    dark: bool | None = None,
    size: tuple[int, int] = (1600, 1000),
    exit_after_first_page: bool = False,
) -> int:
    """Open the window (on ``path`` if given) and run the event loop; return the exit status.

    With ``screenshot`` the window opens ``path``, analyses it, saves a picture of itself to
    ``screenshot`` and quits (status 1 if something failed on the way). With
    ``exit_after_first_page`` it prints the wall-clock time (Unix seconds) at which the first
    page of ``path`` was drawn and quits: start-up time is that minus the launch time.
    """
    app = application()
    window = MainWindow(bundle_path=bundle, archive_path=archive)
    if dark is not None:
        window.set_dark(dark)
    window.resize(*size)
    window.show()
    status = {"code": 0}

    def save_and_quit(*_args) -> None:
        if window.trends.runner.busy():  # a long file's trends may come after its analysis
            QTimer.singleShot(200, save_and_quit)
            return
        # Let the last repaint land before grabbing the window.
        QTimer.singleShot(300, lambda: (window.grab().save(str(screenshot)), app.quit()))

    def fail(*_args) -> None:
        status["code"] = 1
        print(f"elm-desktop gui: {window.last_error}", file=sys.stderr)
        app.quit()

    if screenshot is not None:
        window.analysis_finished.connect(save_and_quit)
        # Any error means the picture would not show what was asked for.
        window.error_shown.connect(fail)
        QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, fail)
    if exit_after_first_page:
        window.recording_opened.connect(lambda _recording: first_page_drawn(app))
        window.error_shown.connect(fail)
    if path is not None:
        if analyze or screenshot is not None:
            window.recording_opened.connect(lambda _recording: window.analyze())
        window.open_file(path)
    app.exec()
    return status["code"]


def first_page_drawn(app: QApplication) -> None:
    """Print when the first page was drawn (Unix seconds) and quit."""
    print(f"first page drawn at {time.time():.3f}", flush=True)
    app.quit()
