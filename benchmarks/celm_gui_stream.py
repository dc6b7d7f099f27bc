"""The generated draft in the real window: when its first section shows, and when it is done.

::

    QT_QPA_PLATFORM=offscreen OMP_NUM_THREADS=1 python benchmarks/celm_gui_stream.py \\
        data/demo-test-500/s2-r00463.edf [more.edf ...] [--bundle FOLDER]

Opens each recording in the main window with a bundle that carries a generator (default: the
demo bundle), analyses it, and from the ``analysis_finished`` signal measures on the UI thread
the time until the draft panel shows the first section's text and until the checked draft is
shown. Also the longest gap between two passes of the event loop meanwhile (how long the
window could not respond). The user's data and settings go to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recordings", nargs="+")
    parser.add_argument("--bundle", default="elm_desktop/resources/models/elm-demo")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="celm-gui-")
    os.environ["ELM_DESKTOP_DATA"] = home
    os.environ["XDG_CONFIG_HOME"] = home

    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    from elm_desktop.gui.main_window import MainWindow

    window = MainWindow(bundle_path=args.bundle, archive_path=os.path.join(home, "none.sqlite"))
    window.draft_question = lambda _action: "discard"
    window.show()

    def spin_until(condition, timeout: float = 120.0) -> float:
        """Run the event loop until ``condition()``; return the longest gap between passes."""
        end, last, gap = time.perf_counter() + timeout, time.perf_counter(), 0.0
        while not condition() and time.perf_counter() < end:
            app.processEvents()
            now = time.perf_counter()
            gap, last = max(gap, now - last), now
            time.sleep(0.001)
        return gap

    panel = window.report_panel
    seen: dict[str, float] = {}
    window.recording_opened.connect(lambda *_args: seen.setdefault("opened", 1.0))
    window.analysis_finished.connect(lambda _r: seen.setdefault("analysed", time.perf_counter()))

    def opened() -> bool:
        return "opened" in seen and window.review.file_sha256 is not None

    def first_section() -> bool:
        return ": " in panel.generated_editor.toPlainText()[:200]

    def checked_shown() -> bool:
        return not panel.stop_button.isEnabled()

    rows = []
    for path in args.recordings:
        seen.clear()
        window.open_file(path)
        spin_until(opened)
        window.analyze()
        spin_until(lambda: "analysed" in seen)
        gap_first = spin_until(first_section)
        first = time.perf_counter() - seen["analysed"]
        gap_done = spin_until(checked_shown)
        done = time.perf_counter() - seen["analysed"]
        rows.append(
            {
                "recording": os.path.basename(path),
                "first_section_s": round(first, 3),
                "checked_draft_shown_s": round(done, 3),
                "longest_event_loop_gap_s": round(max(gap_first, gap_done), 3),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
