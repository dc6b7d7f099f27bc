"""The keyboard map: one table feeds both the key handling and the help dialog.

Each entry names a main-window action (a method ``action_<name>`` on
:class:`~elm_desktop.gui.main_window.MainWindow`), the keys bound to it as
:class:`~PySide6.QtGui.QKeySequence` strings, and the line the help dialog shows. The window
turns every entry into a window-wide shortcut; text fields keep the keys they type with.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence


@dataclass(frozen=True)
class KeyBinding:
    """Keys bound to one action and what the action does."""

    keys: tuple[str, ...]
    description: str


KEYMAP: dict[str, KeyBinding] = {
    "next_page": KeyBinding(("PgDown", "Space"), "Next page"),
    "previous_page": KeyBinding(("PgUp", "Backspace"), "Previous page"),
    "scroll_forward": KeyBinding(("Right",), "Scroll forward by a tenth of a page"),
    "scroll_backward": KeyBinding(("Left",), "Scroll back by a tenth of a page"),
    "first_page": KeyBinding(("Home",), "Go to the start of the recording"),
    "last_page": KeyBinding(("End",), "Go to the end of the recording"),
    "next_highlight": KeyBinding(("N", "]"), "Next highlighted segment"),
    "previous_highlight": KeyBinding(("P", "["), "Previous highlighted segment"),
    "next_event": KeyBinding(
        ("Shift+N", "Ctrl+Down"), "Next event (of the type the event list shows)"
    ),
    "previous_event": KeyBinding(
        ("Shift+P", "Ctrl+Up"), "Previous event (of the type the event list shows)"
    ),
    "add_event": KeyBinding(("E",), "Add an event at the place clicked or the box drawn"),
    "delete_event": KeyBinding(("Del",), "Delete the event selected in the event list"),
    "save_events": KeyBinding(("Ctrl+E",), "Save the events beside the recording (EDF+)"),
    "cursor_mode": KeyBinding(("C",), "Measurement cursors: clicks place cursor 1, then 2"),
    "clear_measurement": KeyBinding(("Shift+C",), "Remove the cursors and the selection box"),
    "more_sensitive": KeyBinding(("Up", "+", "="), "Increase gain (fewer uV/mm)"),
    "less_sensitive": KeyBinding(("Down", "-"), "Decrease gain (more uV/mm)"),
    "longer_page": KeyBinding(("Ctrl+Right",), "Longer page (more seconds)"),
    "shorter_page": KeyBinding(("Ctrl+Left",), "Shorter page (fewer seconds)"),
    "next_montage": KeyBinding(("M",), "Next montage"),
    "rows_down": KeyBinding(("Shift+Down",), "Scroll the channels down by a row"),
    "rows_up": KeyBinding(("Shift+Up",), "Scroll the channels up by a row"),
    "rows_page_down": KeyBinding(("Shift+PgDown",), "Scroll the channels down by a screenful"),
    "rows_page_up": KeyBinding(("Shift+PgUp",), "Scroll the channels up by a screenful"),
    "select_channels": KeyBinding(("Ctrl+L",), "Choose the channels shown"),
    "edit_montages": KeyBinding(
        ("Ctrl+M",), "Edit montages: derivations, colours, gain, invert, hide"
    ),
    "open_file": KeyBinding(("Ctrl+O",), "Open a recording"),
    "analyze": KeyBinding(("Ctrl+R",), "Analyse the recording with the model"),
    "save_draft": KeyBinding(("Ctrl+S",), "Save the draft report with the recording"),
    "cancel": KeyBinding(("Esc",), "Cancel the running job"),
    "focus_prompt": KeyBinding(("Ctrl+F",), "Type a prompt"),
    "toggle_dark": KeyBinding(("Ctrl+D",), "Switch between light and dark palette"),
    "toggle_trends": KeyBinding(
        ("T",), "Show or hide the trends (DSA, aEEG, asymmetry, suppression ratio)"
    ),
    "toggle_polygraphy": KeyBinding(
        ("K",), "Show or hide the polygraphic channels (EKG, EOG, EMG, photic) and heart rate"
    ),
    "toggle_clock_time": KeyBinding(
        ("Ctrl+T",), "Time of day (from the recording's start) or elapsed time on the time axes"
    ),
    "print_pages": KeyBinding(("Ctrl+P",), "Print EEG pages (the page on screen or a range)"),
    "report_signoff": KeyBinding(("Ctrl+Shift+R",), "The report: write, sign (final), archive"),
    "help": KeyBinding(("F1", "?"), "Show this list of keys"),
}


def key_sequences(action: str) -> list[QKeySequence]:
    """Return the key sequences bound to ``action``."""
    return [QKeySequence(key) for key in KEYMAP[action].keys]
