"""How times in a recording are written for the reviewer: time of day or elapsed time.

Times inside the program are seconds from the recording's first sample. The reviewer reads them
as the time of day (the recording's start, EDF ``meas_date``, plus those seconds) when the file
has a start time and the reviewer has not asked for elapsed time; otherwise as elapsed
``h:mm:ss`` from the first sample. The date is never part of a label.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

_DAY_S = 86400.0


def elapsed(seconds: float, decimals: int = 0) -> str:
    """Return ``seconds`` from the first sample as ``h:mm:ss`` (with ``decimals`` places)."""
    if decimals:
        scale = 10**decimals
        ticks = int(round(seconds * scale))
        whole, fraction = divmod(ticks, scale)
        return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{fraction:0{decimals}d}"
    whole = int(round(seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def time_of_day(start: dt.datetime, seconds: float, decimals: int = 0) -> str:
    """Return the time of day ``seconds`` after ``start`` as ``hh:mm:ss`` (24 h, no date)."""
    hours, rest = elapsed((seconds_since_midnight(start) + seconds) % _DAY_S, decimals).split(
        ":", 1
    )
    return f"{int(hours) % 24:02d}:{rest}"  # rounding may reach 24:00:00, which is 00:00:00


def start_time_of_day(start: dt.datetime | None) -> str | None:
    """Return the time of day of ``start`` as ``hh:mm:ss`` for an export (None: unknown)."""
    return None if start is None else time_of_day(start, 0.0)


def seconds_since_midnight(start: dt.datetime) -> float:
    """Return the seconds from the midnight before ``start`` to ``start``."""
    return start.hour * 3600.0 + start.minute * 60.0 + start.second + start.microsecond / 1e6


@dataclass(frozen=True)
class TimeLabels:
    """Writes times as the reviewer chose: time of day when known and wanted, else elapsed.

    Attributes
    ----------
    start : datetime, optional
        The recording's start (the file's ``meas_date``); None when it has none.
    clock : bool
        The reviewer's choice: time of day (True) or elapsed time (False).
    """

    start: dt.datetime | None = None
    clock: bool = True

    @property
    def of_day(self) -> bool:
        """Whether times are written as the time of day."""
        return self.clock and self.start is not None

    @property
    def origin_s(self) -> float:
        """Seconds since midnight at the first sample when times are of day, else 0."""
        return seconds_since_midnight(self.start) if self.of_day else 0.0

    def __call__(self, seconds: float, decimals: int = 0) -> str:
        """Return the label of ``seconds`` from the first sample."""
        if self.of_day:
            return time_of_day(self.start, seconds, decimals)
        return elapsed(seconds, decimals)

    def describe(self) -> str:
        """Return what the labels are, in a few words (for an axis title)."""
        return "time of day" if self.of_day else "elapsed time (h:mm:ss)"
