"""The dialog that adds or edits one event: time, span, type, channel and note."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QWidget,
)

from elm_desktop.signals.events import Event

WHOLE_RECORDING = "whole recording"


class EventDialog(QDialog):
    """Ask for an event's fields, starting from ``event``.

    Parameters
    ----------
    event : Event
        What the fields show first (for a new event: the place marked on the traces).
    types : list of str
        The event types offered; a type typed in the box is a new one.
    channels : list of str
        The derivations on screen; the event is on one of them or on the whole recording.
    duration_s : float
        Length of the recording (the largest onset).
    title : str
        The dialog's title ("Add event", "Edit event").
    """

    def __init__(
        self,
        event: Event,
        types: list[str],
        channels: list[str],
        duration_s: float,
        title: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.onset = QDoubleSpinBox()
        self.onset.setDecimals(3)
        self.onset.setRange(0.0, duration_s)
        self.onset.setSuffix(" s")
        self.onset.setValue(event.onset)
        self.duration = QDoubleSpinBox()
        self.duration.setDecimals(3)
        self.duration.setRange(0.0, duration_s)
        self.duration.setSuffix(" s")
        self.duration.setToolTip("0 for a time point")
        self.duration.setValue(event.duration)
        self.kind = QComboBox()
        self.kind.setEditable(True)  # a new type typed here joins the list in the settings
        self.kind.addItems(types)
        self.kind.setCurrentText(event.kind)
        self.channel = QComboBox()
        self.channel.addItems([WHOLE_RECORDING, *channels])
        if event.channel and event.channel not in channels:
            self.channel.addItem(event.channel)
        self.channel.setCurrentText(event.channel or WHOLE_RECORDING)
        self.text = QLineEdit(event.text)
        self.text.setPlaceholderText("note (optional)")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Time", self.onset)
        form.addRow("Duration", self.duration)
        form.addRow("Type", self.kind)
        form.addRow("Channel", self.channel)
        form.addRow("Note", self.text)
        form.addRow(buttons)

    def chosen(self) -> Event:
        """The event as the fields say."""
        channel = self.channel.currentText()
        return Event(
            onset=self.onset.value(),
            duration=self.duration.value(),
            kind=self.kind.currentText().strip(),
            text=self.text.text().strip(),
            channel=None if channel == WHOLE_RECORDING else channel,
        )
