"""Filing on a simulated clock: a school day's data is open only until its deadline plus grace
(``periods.closing``), so a test that files for a fixed past date files at a moment that day was open."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@contextmanager
def at(moment: dt.datetime, *, tick: bool = True):
    """The clock set to ``moment`` (running on from there unless ``tick`` is False)."""
    with time_machine.travel(moment, tick=tick):
        yield


@contextmanager
def on_day(day: dt.date, hour: int = 12):
    """The clock at noon of ``day``: the day is a school day being filed, open (and not in the future)."""
    with at(local(day, hour)):
        yield
