"""The clinician desktop program (PySide6 + pyqtgraph), the only place Qt lives.

Nothing here computes signals or runs models: the window asks :mod:`elm_desktop.signals`,
:mod:`elm_desktop.analysis` and the layers below, off the UI thread.
"""

import os

# Montage matrices and display filters are tiny: a multithreaded BLAS only fights the UI thread
# for the cores (on a busy 2-core machine a 20x21 product took 65 ms instead of 1 ms).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# Qt's raster engine splits large fills across its GUI thread pool and waits for the threads
# (QT_THREAD_PARALLEL_FILLS in qdrawhelper.cpp). Paging makes a few such fills per step and the
# hand-off cost more than the fills: four interleaved runs of benchmarks/bench_gui.py on the
# 2-core machine gave 52.5-69.5 pages/s with 10,000 annotations with the pool and 66.2-81.4
# without (benchmarks/results/gui.txt). Set before any QApplication exists.
os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
