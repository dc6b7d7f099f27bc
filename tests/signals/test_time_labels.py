"""Times written for the reviewer: time of day from the recording's start, or elapsed."""

from __future__ import annotations

import datetime as dt

from elm_desktop.signals.time_labels import TimeLabels, elapsed, time_of_day


def test_elapsed_time_is_h_mm_ss_with_rounding():
    assert elapsed(0) == "0:00:00"
    assert elapsed(3725.4) == "1:02:05"
    assert elapsed(3725.25, 3) == "1:02:05.250"
    assert elapsed(59.9996, 3) == "0:01:00.000"  # rounding carries into the minutes
    assert elapsed(90061) == "25:01:01"  # past a day it keeps counting hours


def test_time_of_day_adds_the_start_and_wraps_at_midnight():
    start = dt.datetime(2024, 3, 5, 23, 59, 58, 250000)
    assert time_of_day(start, 0, 3) == "23:59:58.250"
    assert time_of_day(start, 1.75) == "00:00:00"
    assert time_of_day(start, 3600 * 25 + 2) == "01:00:00"
    assert "2024" not in time_of_day(start, 0) and "03" not in time_of_day(start, 7200)


def test_labels_follow_the_choice_and_fall_back_to_elapsed_without_a_start():
    start = dt.datetime(2024, 1, 1, 9, 30, 0)
    of_day = TimeLabels(start, clock=True)
    assert of_day.of_day and of_day(75) == "09:31:15" and of_day.origin_s == 9.5 * 3600
    chosen_elapsed = TimeLabels(start, clock=False)
    assert not chosen_elapsed.of_day and chosen_elapsed(75) == "0:01:15"
    assert chosen_elapsed.origin_s == 0.0
    unknown = TimeLabels(None, clock=True)
    assert not unknown.of_day and unknown(75) == "0:01:15"
    assert unknown.describe() != of_day.describe()
