"""The clinician desktop program (PySide6 + pyqtgraph), the only place Qt lives.

Nothing here computes signals or runs models: the window asks :mod:`elm_desktop.signals`,
:mod:`elm_desktop.analysis` and the layers below, off the UI thread.
"""
