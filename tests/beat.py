"""The app's own Celery beat schedule, driven on a simulated clock (time-machine).

``BeatClock(start)`` reads ``beat_schedule`` from the configured Celery app (every entry the apps contribute,
as the scheduler process sees them) and starts the clock at ``start``, as ``celery beat`` started then would:
each entry's last run is the start. ``advance_to(moment)`` moves the clock forward: at every moment a
``crontab`` entry falls due (the nightly sweep at 02:00, the refreshes at 03:30), the clock stops there and
every entry that is due then is fired, as beat would, by applying its task (tasks run eagerly in the tests)
with the transaction callbacks executed, as after a real commit.

Interval entries (every minute, every five minutes) are fired whenever the clock stops and they are due, and
whenever the test calls ``tick()`` (after it wrote something), rather than at each of the 1,440 minutes of a
simulated day: between two stops nothing is written, so those runs would find nothing to do, and beat itself
fires an entry that fell due several times while it slept only once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import time_machine
from celery.schedules import crontab
from django.test import TestCase

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@dataclass
class Fired:
    at: dt.datetime
    entry: str
    result: object


@dataclass
class BeatClock:
    start: dt.datetime
    fired: list[Fired] = field(default_factory=list)

    def __post_init__(self):
        from shuangjian.celery import app

        app.finalize()
        self.app = app
        self.entries = dict(app.conf.beat_schedule)
        self.now = self.start
        self.last_run = dict.fromkeys(self.entries, self.start)
        self._travel = time_machine.travel(self.start, tick=False)
        self._clock = self._travel.start()

    def stop(self) -> None:
        self._travel.stop()

    def _due_in(self, name: str) -> dt.timedelta:
        return self.entries[name]["schedule"].remaining_estimate(self.last_run[name])

    def _is_due(self, name: str) -> bool:
        schedule = self.entries[name]["schedule"]
        if isinstance(schedule, (int, float)):
            return (self.now - self.last_run[name]).total_seconds() >= schedule
        return schedule.is_due(self.last_run[name]).is_due

    def _next_crontab(self) -> dt.datetime | None:
        moments = [
            self.now + self._due_in(name)
            for name, entry in self.entries.items()
            if isinstance(entry["schedule"], crontab)
        ]
        return min(moments) if moments else None

    def _fire_due(self) -> None:
        for name in sorted(self.entries):
            if self._is_due(name):
                self.fire(name)

    def fire(self, name: str) -> object:
        entry = self.entries[name]
        task = self.app.tasks[entry["task"]]
        with TestCase.captureOnCommitCallbacks(execute=True):
            result = task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), throw=True).get()
        self.last_run[name] = self.now
        self.fired.append(Fired(self.now, name, result))
        return result

    def _move(self, moment: dt.datetime) -> None:
        self.now = moment
        self._clock.move_to(moment)

    def advance_to(self, moment: dt.datetime) -> None:
        """Move the clock to ``moment``, stopping at each crontab entry's due time to fire what is due."""
        while True:
            nxt = self._next_crontab()
            if nxt is None or nxt > moment:
                break
            # a crontab's estimate lands on the minute it is due; a second later it certainly is
            self._move(max(nxt, self.now) + dt.timedelta(seconds=1))
            self._fire_due()
        self._move(moment)
        self._fire_due()

    def tick(self, minutes: int = 1) -> None:
        """Let beat run for a few minutes (the interval entries) after the test wrote something."""
        self._move(self.now + dt.timedelta(minutes=minutes))
        self._fire_due()

    def fired_names(self, name: str) -> list[dt.datetime]:
        return [f.at for f in self.fired if f.entry == name]
