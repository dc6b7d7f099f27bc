"""The About box: the program's version, the model it runs, and what the program is not."""

from __future__ import annotations

from html import escape

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from elm_desktop.version import producer


def about_html(model_provenance: str) -> str:
    """Return the About box's text.

    Parameters
    ----------
    model_provenance
        What the model bundle says it was trained on.

    Returns
    -------
    str
        Rich text: program and version, Qt and PySide6 versions, the model's training data,
        and the notice that the program is not a medical device.
    """
    return (
        f"<h3>{escape(producer())}</h3>"
        "<p>Review clinical EEG with an EEG-language model beside the traces.</p>"
        f"<p>Model trained on: {escape(model_provenance, quote=False)}</p>"
        f"<p>Qt {escape(qVersion())}, PySide6 {escape(pyside_version)} (LGPL-3.0)</p>"
        "<p><b>Not a medical device.</b> Runs locally; nothing is sent over the network.</p>"
    )


def show_about(parent: QWidget, model_provenance: str) -> QMessageBox:
    """Open the About box over ``parent`` without blocking, and return it."""
    box = QMessageBox(QMessageBox.Icon.Information, "About ELM Desktop", "", parent=parent)
    box.setText(about_html(model_provenance))
    box.open()
    return box
