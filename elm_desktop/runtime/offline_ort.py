"""ONNX Runtime with its telemetry off: the one module of the program that imports it.

onnxruntime 1.29 and later send usage events to Microsoft from Linux and macOS too (1DS
telemetry): about 9 s after a process starts they resolve and contact
``mobile.events.data.microsoft.com``, and they keep a device id and an event queue under
``~/.cache/Microsoft/DeveloperTools/``. The library reads ``ORT_DISABLE_TELEMETRY`` once, while
it is being imported, and then creates nothing: no uploader, no device id, no queue. Calling
``disable_telemetry_events()`` alone, after the import, still lets the lookups and the files
happen (measured with onnxruntime 1.31.1), so the variable is set here before the import.

Every entry point (CLI, GUI, a frozen build, the training code) reaches ONNX Runtime through
``elm_desktop.runtime``, whose ``__init__`` loads this module (through the engine) before
anything else of the program can import ``onnxruntime``; modules take ``ort`` from here, and an
import-linter contract in ``pyproject.toml`` keeps it so.
"""

from __future__ import annotations

import os
import sys
import warnings

#: The variables that switch ONNX Runtime's telemetry off before it starts: the one 1.29-1.31
#: read, and the name later releases use for the same full opt-out.
TELEMETRY_OFF = {"ORT_DISABLE_TELEMETRY": "1", "ORT_TELEMETRY_DISABLED": "1"}

_IMPORTED_BEFORE = "onnxruntime" in sys.modules and not any(
    os.environ.get(name) == value for name, value in TELEMETRY_OFF.items()
)
os.environ.update(TELEMETRY_OFF)

import onnxruntime as ort  # noqa: E402  (must follow the variables above)

ort.disable_telemetry_events()

if _IMPORTED_BEFORE:
    warnings.warn(
        "onnxruntime was imported before elm_desktop.runtime, without ORT_DISABLE_TELEMETRY=1: "
        "its telemetry may be running in this process; import elm_desktop.runtime first",
        RuntimeWarning,
        stacklevel=2,
    )

__all__ = ["TELEMETRY_OFF", "ort"]
