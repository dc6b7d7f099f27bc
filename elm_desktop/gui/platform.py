"""Can Qt start a window here? Checked before any ``QApplication`` exists.

When Qt cannot load its platform plugin it aborts the process (a core dump, and a message
that names one library at most). The program checks first and raises a
:class:`~elm_desktop.errors.PlatformError` whose one line names every missing system library
and the command that installs it on Debian / Ubuntu and on Fedora.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from elm_desktop.errors import PlatformError

# Shared libraries Qt 6's GUI and its xcb plugin load, with the packages that hold them:
# (Debian / Ubuntu, Fedora). README.md and .ci/run list the same Debian packages.
SYSTEM_LIBRARIES: dict[str, tuple[str, str]] = {
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
}

# How the dynamic loader names a library it could not load, in ldd's and dlopen's words.
_LDD_NOT_FOUND = re.compile(r"^\s*(\S+) => not found", re.MULTILINE)
_LOADER_ERROR = re.compile(r"(lib[\w.+-]+\.so[\d.]*): (?:cannot open|file too short|invalid ELF)")


def platform_name(environ: Mapping[str, str]) -> str:
    """Return the platform plugin Qt will try first on Linux (``xcb``, ``wayland``, ...).

    Parameters
    ----------
    environ
        The process environment.

    Returns
    -------
    str
        ``QT_QPA_PLATFORM``'s first entry, else ``wayland`` in a Wayland session, else ``xcb``.
    """
    requested = re.split(r"[;:]", environ.get("QT_QPA_PLATFORM", ""))[0]
    if requested:
        return requested
    wayland = environ.get("XDG_SESSION_TYPE") == "wayland" and environ.get("WAYLAND_DISPLAY")
    return "wayland" if wayland else "xcb"


def install_hint(sonames: list[str]) -> str:
    """Return the missing libraries and the commands that install them, in one line.

    Parameters
    ----------
    sonames
        Library file names the loader could not find, such as ``libxcb-cursor.so.0``.

    Returns
    -------
    str
        The names, then ``apt-get`` and ``dnf`` commands for those the table knows.
    """
    known = [SYSTEM_LIBRARIES[name] for name in sonames if name in SYSTEM_LIBRARIES]
    debian = " ".join(dict.fromkeys(deb for deb, _ in known))
    fedora = " ".join(dict.fromkeys(rpm for _, rpm in known))
    hint = f"missing system libraries {', '.join(sonames)}"
    if known:
        hint += (
            f"; install them with `sudo apt-get install {debian}` (Debian/Ubuntu) "
            f"or `sudo dnf install {fedora}` (Fedora)"
        )
    return hint


def missing_libraries(library: Path, loader_message: str) -> list[str]:
    """Return the shared libraries that keep ``library`` from loading.

    Parameters
    ----------
    library
        The shared object that failed to load.
    loader_message
        What the dynamic loader said; it names only the first library it missed.

    Returns
    -------
    list of str
        Every library ``ldd`` reports as not found, else the one in the loader's message.
    """
    ldd = shutil.which("ldd")
    if ldd is not None:
        listing = subprocess.run([ldd, str(library)], capture_output=True, text=True).stdout
        found = list(dict.fromkeys(_LDD_NOT_FOUND.findall(listing)))
        if found:
            return found
    return _LOADER_ERROR.findall(loader_message)


def xcb_plugin(environ: Mapping[str, str]) -> Path | None:
    """Return Qt's xcb platform plugin file, or ``None`` if this Qt has none."""
    from PySide6.QtCore import QLibraryInfo

    folders = [environ.get("QT_QPA_PLATFORM_PLUGIN_PATH", "")]
    folders += [
        str(Path(folder) / "platforms")
        for folder in (
            *environ.get("QT_PLUGIN_PATH", "").split(os.pathsep),
            QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath),
        )
        if folder
    ]
    candidates = (Path(folder) / "libqxcb.so" for folder in folders if folder)
    return next((path for path in candidates if path.is_file()), None)


def check_platform(environ: Mapping[str, str] | None = None) -> None:
    """Raise :class:`PlatformError` if Qt could not open a window here; do nothing otherwise.

    Checks that Qt's GUI libraries load, and on Linux with the xcb platform that an X display
    is set, that the xcb plugin and every library it needs load, and that the display answers.

    Parameters
    ----------
    environ
        The process environment (``os.environ`` by default).

    Raises
    ------
    PlatformError
        One line naming what is missing and how to install it.
    """
    environ = os.environ if environ is None else environ
    try:
        import PySide6.QtWidgets  # noqa: F401  (loads libEGL, libGL, fontconfig, ...)
    except ImportError as error:
        missing = _LOADER_ERROR.findall(str(error)) or [str(error)]
        raise PlatformError(f"Qt cannot start: {install_hint(missing)}") from error
    if not sys.platform.startswith("linux") or platform_name(environ) != "xcb":
        return
    if not environ.get("DISPLAY"):
        raise PlatformError(
            "no X display (DISPLAY is not set): start the program in a desktop session, "
            "under xvfb-run, or with QT_QPA_PLATFORM=offscreen for --screenshot"
        )
    plugin = xcb_plugin(environ)
    if plugin is None:
        return
    try:
        ctypes.CDLL(str(plugin))
    except OSError as error:
        missing = missing_libraries(plugin, str(error)) or [str(error)]
        raise PlatformError(
            f"Qt cannot load its X11 (xcb) display plugin: {install_hint(missing)}"
        ) from error
    if not display_reachable(environ["DISPLAY"]):
        raise PlatformError(
            f"cannot connect to the X display {environ['DISPLAY']!r}: is the X server running "
            "and may this user open windows on it (xhost, XAUTHORITY)?"
        )


def display_reachable(display: str) -> bool:
    """Return whether an X connection to ``display`` opens (Qt aborts when it does not)."""
    xcb = ctypes.CDLL("libxcb.so.1")  # loaded with the plugin above
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    failed = xcb.xcb_connection_has_error(connection)
    xcb.xcb_disconnect(connection)
    return failed == 0
