"""Fixtures of the GUI tests: small real EDF+ files and the real main window (offscreen)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from elm_desktop.synth.edf_writer import Annotation, EdfWriter, SignalHeader
from elm_desktop.synth.electrodes import ELECTRODES


def write_edf(
    path: Path,
    seconds: int = 60,
    sfreq: int = 256,
    n_annotations: int = 3,
    muscle_at_s: float | None = None,
    flat: tuple[str, ...] = (),
) -> Path:
    """Write a 21-electrode EDF+ file of alpha-like noise with evenly spaced annotations, with
    ``muscle_at_s`` a 2 s burst of 30-45 Hz activity at T3 from then, and the electrodes
    ``flat`` recording nothing."""
    rng = np.random.default_rng(7)
    t = np.arange(seconds * sfreq) / sfreq
    data = 20.0 * rng.standard_normal((len(ELECTRODES), t.size))
    data += (
        30.0
        * np.sin(2 * np.pi * 10.0 * t)[None, :]
        * np.linspace(0.2, 1.0, len(ELECTRODES))[:, None]
    )
    if muscle_at_s is not None:
        span = slice(int(muscle_at_s * sfreq), int((muscle_at_s + 2.0) * sfreq))
        sos = signal.butter(4, [30.0, 45.0], "bandpass", fs=sfreq, output="sos")
        burst = signal.sosfilt(sos, rng.standard_normal(span.stop - span.start))
        data[ELECTRODES.index("T3"), span] += 60.0 * burst / burst.std()
    for name in flat:
        data[ELECTRODES.index(name)] = 0.0
    signals = [SignalHeader(f"EEG {name.upper()}-REF", -1000.0, 1000.0) for name in ELECTRODES]
    onsets = np.linspace(1.0, seconds - 2.0, n_annotations)
    notes = [Annotation(float(onset), 0.0, f"event {i}") for i, onset in enumerate(onsets)]
    with EdfWriter(
        path, signals, sfreq, seconds, dt.datetime(2024, 1, 1, 9, 0), "X X X X", "X X X X", notes
    ) as writer:
        writer.write_block(data)
    return path


def discard_on_teardown(_action: str) -> str:
    """Answer the unsaved-draft question: pytest-qt closes the windows at teardown, where a
    modal question would wait for ever."""
    return "discard"


@pytest.fixture
def edf_path(tmp_path) -> Path:
    """A 60 s, 21-electrode, 256 Hz EDF+ file with three annotations."""
    return write_edf(tmp_path / "short.edf")


@pytest.fixture
def window(qtbot):
    """The real main window, shown offscreen, with settings in the test's data directory."""
    from elm_desktop.gui.main_window import MainWindow

    main = MainWindow()
    main.draft_question = discard_on_teardown
    qtbot.addWidget(main)
    main.resize(1400, 900)
    main.show()
    qtbot.waitExposed(main)
    return main


@pytest.fixture
def open_in_window(qtbot, window):
    """Return a function that opens a path in the window and waits for its first page."""

    def open_and_wait(path: Path) -> None:
        with qtbot.waitSignal(window.recording_opened, timeout=10000):
            window.open_file(path)

    return open_and_wait


@pytest.fixture
def make_edf(tmp_path):
    """Return a function that writes an EDF+ test file (see :func:`write_edf`) in ``tmp_path``."""
    return lambda name, **kwargs: write_edf(tmp_path / name, **kwargs)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory, elm_bundle):
    """Two-minute synthetic recordings: the first to analyse, the rest archived as prior cases.

    Returns the first recording and the archive (a real SQLite store).
    """
    from elm_desktop.analysis import analyze
    from elm_desktop.archive import open_archive
    from elm_desktop.archive.ingest import case_for_recording
    from elm_desktop.runtime import Bundle, Engine
    from elm_desktop.signals import open_recording
    from elm_desktop.synth import generate_corpus, read_manifest

    folder = tmp_path_factory.mktemp("gui-corpus")
    with pytest.MonkeyPatch.context() as patch:  # caches of the build stay out of the user's
        patch.setenv("ELM_DESKTOP_DATA", str(tmp_path_factory.mktemp("corpus-data")))
        manifest = generate_corpus(folder, n=3, minutes=2, seed=5, workers=1)
        entries = read_manifest(manifest)
        engine = Engine(Bundle.load(elm_bundle), device="cpu")
        archive_path = folder / "archive.sqlite"
        with open_archive(archive_path) as archive:
            for entry in entries[1:]:
                path = manifest.parent / entry["edf"]
                result = analyze(path, engine)
                case = case_for_recording(
                    open_recording(path),
                    engine,
                    result.crop_embeddings,
                    result.attention,
                    result.crop_starts_s,
                    entry["report"],
                    known=entry,
                    keep_source_path=True,  # the comparison window reads the case's file
                )
                archive.add_case(case)
    return manifest.parent / entries[0]["edf"], archive_path


@pytest.fixture
def analysed_window(qtbot, corpus, elm_bundle):
    """Return a function that opens a new real window on the corpus's first recording (or the
    file it is given), waits for its fingerprint and analyses it."""
    from elm_desktop.gui.main_window import MainWindow

    def make(path: Path | None = None):
        recording, archive = corpus
        recording = recording if path is None else path
        window = MainWindow(bundle_path=elm_bundle, archive_path=archive)
        window.draft_question = discard_on_teardown
        qtbot.addWidget(window)
        window.resize(1400, 900)
        window.show()
        qtbot.waitExposed(window)
        with qtbot.waitSignal(window.file_fingerprinted, timeout=20000):
            window.open_file(recording)
        with qtbot.waitSignal(window.analysis_finished, timeout=120000):
            window.analyze()
        return window

    return make
