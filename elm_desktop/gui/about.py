"""The About box: the program's version, the models it runs, and what the program is not."""

from __future__ import annotations

from html import escape

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from elm_desktop.version import producer


def about_html(models: dict[str, str | None]) -> str:
    """Return the About box's text.

    Parameters
    ----------
    models
        Each modality's name and what its model bundle says it was trained on (None: no
        model installed).

    Returns
    -------
    str
        Rich text: program and version, Qt and PySide6 versions, each model's training data,
        and the notice that the program is not a medical device.
    """
    trained = "".join(
        f"<p>{escape(name.upper())} model trained on: "
        f"{escape(provenance, quote=False) if provenance else 'no model installed'}</p>"
        for name, provenance in models.items()
    )
    return (
        f"<h3>{escape(producer())}</h3>"
        "<p>Review clinical EEG and 12-lead ECG with signal-language models beside the "
        "traces.</p>"
        f"{trained}"
        f"<p>Qt {escape(qVersion())}, PySide6 {escape(pyside_version)} (LGPL-3.0)</p>"
        "<p><b>Not a medical device.</b> Runs locally; nothing is sent over the network.</p>"
    )


def show_about(parent: QWidget, models: dict[str, str | None]) -> QMessageBox:
    """Open the About box over ``parent`` without blocking, and return it (``models`` as
    :func:`about_html`)."""
    box = QMessageBox(QMessageBox.Icon.Information, "About ELM Desktop", "", parent=parent)
    box.setText(about_html(models))
    box.open()
    return box
