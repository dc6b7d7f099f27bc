"""Make the README's screenshots of the real window (``images/gui-demo-model.png``, ``gui-ecg.png``).

``gui-demo-model.png``: the demo recording (what ``elm-desktop demo`` builds, as ``elm-desktop gui
--demo`` opens it) in the main window with the demo model and the demo's prior cases, analysed;
trends and polygraphy shown; on a page of left temporal spikes, three events added through the
event dialog (as a reviewer adds them: a click on the traces, then Add event), the two
measurement cursors placed on a spike and its slow wave, and a selection box over both temporal
chains.

``gui-ecg.png``: a synthetic 12-lead ECG in atrial fibrillation (:mod:`elm_desktop.synth.ecg`,
fixed seed) opened in the window, scored by the ECG model bundle (``make bundle`` exports
``elm_desktop/resources/models/ecg-demo``; without it the picture is skipped), a free-text prompt
scored, and the calipers on two R waves of the rhythm strip.

Everything goes through the window's own hooks, as ``tests/gui`` drives it; the window's settings,
drafts, event autosaves and trend cache live in a temporary data folder, so the pictures show the
default display whatever this machine's settings are::

    OMP_NUM_THREADS=1 QT_QPA_PLATFORM=offscreen .venv/bin/python docs/readme_screenshots.py

``--demo DIR`` takes (or builds, with ``elm-desktop demo --out DIR``) the demo data in ``DIR``
instead of the user data folder's.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from elm_desktop.gui.event_dialog import WHOLE_RECORDING

IMAGES = Path(__file__).resolve().parent / "images"
SIZE = (1600, 1000)
PAGE_START_S = 180.0
"""A page of the demo with three left temporal spikes (at 180.5, 184.7 and 186.1 s) in eyes-closed
alpha; the spikes' phase reversal is at T3 (F7-T3 against T3-T5)."""
SPIKE_ROW = "F7-T3"
BOX = (PAGE_START_S + 7.5, PAGE_START_S + 9.5, "Fp1-F7", "T6-O2")
"""A selection box over both temporal chains: left temporal slowing against the right's alpha."""
ECG_FINDING, ECG_SEED = "atrial_fibrillation", 4
ECG_PROMPT = "irregularly irregular rhythm without P waves"
ECG_DOCK_WIDTH = 540
TIMEOUT_S = 300.0


def wait_until(ready: Callable[[], bool], what: str, window=None) -> None:
    """Run the event loop until ``ready()``; stop with a message after :data:`TIMEOUT_S` or when
    the window shows an error."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + TIMEOUT_S
    while not ready():
        if window is not None and window.last_error is not None:
            raise SystemExit(f"readme_screenshots: the window said: {window.last_error}")
        if time.monotonic() > deadline:
            raise SystemExit(f"readme_screenshots: no {what} after {TIMEOUT_S:.0f} s")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def settle(window, ms: int = 600) -> None:
    """Let the last repaints land (as ``gui --screenshot`` does before grabbing)."""
    end = time.monotonic() + ms / 1000
    wait_until(lambda: time.monotonic() > end, "repaint", window)


def new_window(bundle: Path | None = None, archive: Path | None = None):
    """The real main window at :data:`SIZE`, shown, answering "discard" at close."""
    from elm_desktop.gui.main_window import MainWindow

    window = MainWindow(bundle_path=bundle, archive_path=archive)
    window.draft_question = window.events_question = lambda _action: "discard"
    window.resize(*SIZE)
    window.show()
    return window


def open_and_wait(window, path: Path) -> None:
    opened = []
    window.recording_opened.connect(opened.append)
    window.open_file(path)
    wait_until(lambda: bool(opened), f"recording opened from {path}", window)


def analyse_and_wait(window) -> object:
    finished = []
    window.analysis_finished.connect(finished.append)
    window.analyze()
    wait_until(lambda: bool(finished), "analysis", window)
    return finished[0]


def add_event(
    window, time_s: float, row: str | None, kind: str, text: str, duration_s: float = 0.0
) -> None:
    """Add an event as the reviewer does: click the traces there, open the dialog, fill it in
    (``row`` None: the whole recording)."""
    labels = window.trace_view.labels
    window.trace_view.clicked.emit(time_s, labels.index(row) if row else 0)
    dialog = window.ask_add_event()
    dialog.kind.setCurrentText(kind)
    dialog.duration.setValue(duration_s)
    dialog.channel.setCurrentText(row or WHOLE_RECORDING)
    dialog.text.setText(text)
    dialog.accept()


def spike_and_wave(window, onset_s: float, row: str) -> tuple[float, float]:
    """Times of a spike's peak (the largest deflection of ``row`` within 0.2 s of ``onset_s``)
    and of its slow wave's extreme of the other sign (within 0.5 s after), as drawn."""
    import numpy as np

    index = window.trace_view.labels.index(row)
    times, data = window.trace_view.displayed(onset_s - 0.05, onset_s + 0.7)
    trace = data[index] - np.median(data[index])
    near = times <= onset_s + 0.2
    peak = int(np.argmax(np.abs(np.where(near, trace, 0.0))))
    after = (times > times[peak] + 0.05) & (times < times[peak] + 0.5)
    wave = int(np.argmax(np.where(after, -np.sign(trace[peak]) * trace, -np.inf)))
    return float(times[peak]), float(times[wave])


def drag_box(window, start_s: float, stop_s: float, first: str, last: str) -> None:
    """Drag a selection box over traces ``first``..``last`` between two times: the rectangle the
    trace view's Shift-drag gives (seconds, millimetres from the top)."""
    from PySide6.QtCore import QRectF

    view = window.trace_view
    offsets = view._offsets_mm  # no public hook gives a trace's height on the page
    top = offsets[view.labels.index(first)] - 1.0
    bottom = offsets[view.labels.index(last)] + 1.0
    view.box_dragged.emit(QRectF(start_s, top, stop_s - start_s, bottom - top), True)


def give_phenotypes_room(window) -> None:
    """Drag the dock splitters as a reviewer would: the phenotype table as tall as the other
    docks allow (the Measurement tab, raised by the cursors, and Similar cases keep their
    least heights)."""
    from PySide6.QtCore import Qt

    phenotypes, prompt, cases = window.docks[:3]
    settle(window, 200)
    window.resizeDocks([phenotypes, prompt, cases], [400, 300, 150], Qt.Orientation.Vertical)


def demo_picture(folder: Path, out: Path) -> None:
    from elm_desktop.paths import default_bundle

    manifest = json.loads((folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines()[0])
    spikes = next(f for f in manifest["findings"] if f["name"] == "focal_epileptiform")
    on_page = [a for a, _b in spikes["intervals"] if PAGE_START_S < a < PAGE_START_S + 9.5]
    seizure = next(f for f in manifest["findings"] if f["name"] == "seizure")["intervals"][0][0]

    window = new_window(default_bundle(), folder / "archive.sqlite")
    open_and_wait(window, folder / "demo.edf")
    window.set_trends_shown(True)
    window.set_polygraphy_shown(True)
    analyse_and_wait(window)
    wait_until(lambda: window.trends.trends is not None, "trends", window)
    wait_until(lambda: window.heart_rate.heart is not None, "heart rate", window)

    window.trace_view.set_start(PAGE_START_S)
    settle(window, 200)
    first, last = (spike_and_wave(window, onset, SPIKE_ROW) for onset in (on_page[0], on_page[-1]))
    # The first spike and its slow wave as a span on F7-T3, a note on the page, and the
    # seizure's onset (off this page: in the event list and on the overview strip).
    add_event(window, first[0] - 0.05, SPIKE_ROW, "spike", "phase reversal at T3", 0.5)
    add_event(window, PAGE_START_S + 3.0, None, "note", "left temporal spikes, eyes closed")
    add_event(window, seizure, None, "seizure onset", "left temporal")
    window.trace_view.set_start(PAGE_START_S)  # the last event was added off this page
    # Cursor 1 on the last spike's peak, cursor 2 on its slow wave.
    window.measure.set_cursors(*last, window.trace_view.labels.index(SPIKE_ROW))
    drag_box(window, *BOX)
    give_phenotypes_room(window)
    settle(window)
    window.grab().save(str(out))
    print(out, f"events {[e.kind for e in window.event_list.reviewer_events]}")
    print(window.measure_panel.readout.text())
    print(window.measure_panel.box_label.text(), window.measure.stats)
    window.close()


def ecg_picture(folder: Path, out: Path) -> bool:
    from PySide6.QtCore import Qt

    from elm_desktop.paths import default_ecg_bundle
    from elm_desktop.synth.ecg import generate_ecg_corpus

    if not (default_ecg_bundle() / "manifest.json").exists():
        print(f"no ECG bundle at {default_ecg_bundle()} (run `make bundle`): {out.name} not made")
        return False
    manifest = generate_ecg_corpus(folder, n=1, seed=ECG_SEED, findings=[ECG_FINDING])
    entry = json.loads(manifest.read_text(encoding="utf-8").splitlines()[0])
    window = new_window()
    open_and_wait(window, folder / entry["wfdb"])
    analyse_and_wait(window)
    scored = []
    window.prompt_scored.connect(scored.append)
    window.score_prompt(ECG_PROMPT)
    wait_until(lambda: bool(scored), "prompt score", window)
    view = window.ecg_view
    beats = [t for t, _kind in entry["beats"] if 1.0 < t < 9.0][:2]
    strip = 3  # the lead II rhythm strip under the 3 x 4 panels
    for beat in beats:
        view.place_time_cursor(view.x_of(beat), view.baseline_mm(strip) - 0.5 * view.gain)
    # The prompt's score in front; the docks as wide as the paper leaves room for, so the
    # findings' long names leave their probabilities in sight.
    window.docks[1].raise_()
    settle(window, 200)
    window.resizeDocks([window.docks[0]], [ECG_DOCK_WIDTH], Qt.Orientation.Horizontal)
    window.resizeDocks(window.docks[:3], [360, 400, 100], Qt.Orientation.Vertical)
    settle(window)
    window.grab().save(str(out))
    print(out, entry["machine_report"], view.reading())
    window.close()
    return True


@contextmanager
def fresh_data_folder() -> Iterator[Path]:
    """A window's own user data folder (settings, so no dock layout carried from the last
    window; drafts, event autosaves, trend cache), removed afterwards."""
    with tempfile.TemporaryDirectory() as data:
        os.environ["ELM_DESKTOP_DATA"] = data
        yield Path(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, help="demo data folder (default: the user's)")
    args = parser.parse_args()
    from elm_desktop.cli import main as elm_desktop
    from elm_desktop.paths import demo_dir

    folder = args.demo or demo_dir()
    # `elm-desktop demo` builds what is missing (a built demo stays as it is).
    if elm_desktop(["demo", *(["--out", str(folder)] if args.demo else [])]) != 0:
        return 1
    from elm_desktop.gui.app import application

    application()
    with fresh_data_folder():
        demo_picture(folder, IMAGES / "gui-demo-model.png")
    with fresh_data_folder() as data:
        ecg_picture(data / "ecg", IMAGES / "gui-ecg.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
