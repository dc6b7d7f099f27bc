"""The terminal progress reporter: a bar on a terminal, plain lines in a redirected log."""

import io

from elm_desktop.progress import TerminalProgress


def test_a_redirected_stream_gets_plain_lines_not_a_redrawn_bar():
    stream = io.StringIO()
    progress = TerminalProgress("train", stream=stream)
    progress(1, 10, "loss 5.9")
    progress(2, 10, "loss 5.8")  # within the log interval: not written
    progress(10, 10, "loss 4.1")  # the end is always written
    progress.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert lines[0].startswith("train 1/10 ") and lines[0].endswith("loss 5.9")
    assert lines[1].startswith("train 10/10 ") and lines[1].endswith("loss 4.1")
    assert lines[2].startswith("train: done in")
    assert len(lines) == 3
