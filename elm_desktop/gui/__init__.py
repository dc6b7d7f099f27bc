"""The clinician desktop program (PySide6 + pyqtgraph), the only place Qt lives.

Nothing here computes signals or runs models: the window asks :mod:`elm_desktop.signals`,
:mod:`elm_desktop.analysis` and the layers below, off the UI thread.
"""

import os

# Montage matrices and display filters are tiny: a multithreaded BLAS only fights the UI thread
# for the cores (on a busy 2-core machine a 20x21 product took 65 ms instead of 1 ms).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
