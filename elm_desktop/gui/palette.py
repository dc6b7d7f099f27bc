"""Light and dark palettes for the window and the colours of the plots that go with them."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


@dataclass(frozen=True)
class PlotColours:
    """Colours of the trace view and overview strip for one palette."""

    background: str
    trace: str
    trace_right: str
    grid: str
    text: str
    annotation: str
    highlight: str
    attention: str
    prompt_curve: str
    page_marker: str
    event: str


LIGHT = PlotColours(
    background="#ffffff",
    trace="#1a1a1a",
    trace_right="#1f3f8f",
    grid="#c8c8c8",
    text="#202020",
    annotation="#b35900",
    highlight="#ffb000",
    attention="#7a5ab8",
    prompt_curve="#008c7a",
    page_marker="#2060c0",
    event="#c0306a",
)

DARK = PlotColours(
    background="#15181c",
    trace="#e6e6e6",
    trace_right="#9ec1ff",
    grid="#3a4048",
    text="#e0e0e0",
    annotation="#ffb060",
    highlight="#ffc845",
    attention="#b59cff",
    prompt_curve="#3fd6c0",
    page_marker="#6aa2ff",
    event="#ff78b0",
)


def _dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#202428",
        QPalette.ColorRole.WindowText: "#e0e0e0",
        QPalette.ColorRole.Base: "#15181c",
        QPalette.ColorRole.AlternateBase: "#262b30",
        QPalette.ColorRole.ToolTipBase: "#30363c",
        QPalette.ColorRole.ToolTipText: "#f0f0f0",
        QPalette.ColorRole.Text: "#e0e0e0",
        QPalette.ColorRole.PlaceholderText: "#8a9096",
        QPalette.ColorRole.Button: "#2a2f35",
        QPalette.ColorRole.ButtonText: "#e0e0e0",
        QPalette.ColorRole.BrightText: "#ff6060",
        QPalette.ColorRole.Highlight: "#3d6fb6",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#8ab4ff",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6a7076"))
    return palette


def apply_palette(app: QApplication, dark: bool) -> PlotColours:
    """Give ``app`` the light or dark palette; return the matching plot colours."""
    app.setStyle("Fusion")
    app.setPalette(_dark_palette() if dark else app.style().standardPalette())
    return DARK if dark else LIGHT
