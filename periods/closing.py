"""When a school day's data closes (填报截止): the deadline plus grace the completeness rules read.

- homework (HW-4-PUBLISH): day D is open until ``hw_filing_deadline`` (20:00) on D + ``hw_filing_grace_days``,
  that minute included (a filing at the cut-off counts as on time for the rule, so it is still accepted);
- after-school reports (AS-REPORT-MISSING): day D is open until the end of D + ``as_filing_grace_days`` (the rule
  counts a report first filed before the next midnight as on time).

The values in force on D itself count (as the rule reads them for D). ``closing_for`` reads every parameter the
dates of one request need in ONE query, so a filing of 5,000 items checks its days with one statement. A closed
day is changed only by an approved correction (``periods.services``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.models import RuleParameter
from shuangjian.errors import ConflictError

HOMEWORK = "homework"
AFTERSCHOOL = "afterschool"

#: the parameters each kind of data closes by (``RuleParameter`` keys)
KEYS = {
    HOMEWORK: ("hw_filing_deadline", "hw_filing_grace_days"),
    AFTERSCHOOL: ("as_filing_grace_days",),
}


class DayClosedError(ConflictError):
    """A write to a closed day: the API answers 409; pages show the message beside the day."""

    code = "day_closed"


def _aware(day: dt.date, at: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, at), timezone.get_default_timezone())


def _time(value) -> dt.time:
    hour, minute = (int(x) for x in str(value).split(":"))
    return dt.time(hour, minute)


@dataclass
class Closing:
    """The closing times of one kind of data over the dates one request touches (built by ``closing_for``)."""

    kind: str
    #: ``{key: [(effective_from, value), ...]}`` oldest first
    rows: dict[str, list[tuple[dt.date, object]]] = field(default_factory=dict)
    _memo: dict[dt.date, dt.datetime | None] = field(default_factory=dict)

    def _value(self, key: str, day: dt.date):
        found = None
        for effective_from, value in self.rows.get(key, ()):
            if effective_from > day:
                break
            found = value
        return found

    def closes_at(self, day: dt.date) -> dt.datetime | None:
        """The last moment ``day`` is open (included); None when a parameter has no value in force (the rules then
        fail and name it; nothing is closed on a guess)."""
        if day in self._memo:
            return self._memo[day]
        at = None
        if self.kind == HOMEWORK:
            deadline, grace = self._value("hw_filing_deadline", day), self._value("hw_filing_grace_days", day)
            if deadline is not None and grace is not None:
                at = _aware(day + dt.timedelta(days=max(int(grace), 0)), _time(deadline))
        else:
            grace = self._value("as_filing_grace_days", day)
            if grace is not None:
                at = _aware(day + dt.timedelta(days=max(int(grace), 0)), dt.time.max)
        self._memo[day] = at
        return at

    def is_closed(self, day: dt.date, *, now: dt.datetime | None = None) -> bool:
        at = self.closes_at(day)
        return at is not None and (now or timezone.now()) > at

    def message(self, day: dt.date) -> str:
        """The refusal, naming the day, when it closed, and how to ask for a correction."""
        at = self.closes_at(day)
        what = _("作业") if self.kind == HOMEWORK else _("课后服务日报")
        return _(
            "%(date)s 的%(what)s已于 %(at)s 截止填报，该日已关闭，不能再修改；如需更正，请在“填报更正”（%(url)s）"
            "提出更正申请，经区教委批准后更正"
        ) % {
            "date": day.isoformat(),
            "what": what,
            "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else "",
            "url": reverse("periods:list"),
        }


def closing_for(kind: str, dates: Iterable[dt.date]) -> Closing:
    """The closing times of ``kind`` for ``dates``: one query whatever their number (none without dates)."""
    dates = [d for d in dates if d is not None]
    closing = Closing(kind=kind)
    if not dates:
        return closing
    rows = RuleParameter.objects.filter(key__in=KEYS[kind], effective_from__lte=max(dates)).order_by("effective_from")
    for key, effective_from, value in rows.values_list("key", "effective_from", "value"):
        closing.rows.setdefault(key, []).append((effective_from, value))
    return closing


def closed_dates(kind: str, dates: Iterable[dt.date], *, now: dt.datetime | None = None) -> set[dt.date]:
    """The dates among ``dates`` that are closed now (one query)."""
    dates = set(dates)
    closing = closing_for(kind, dates)
    return {d for d in dates if closing.is_closed(d, now=now)}


def refuse_closed(kind: str, day: dt.date, *, now: dt.datetime | None = None) -> None:
    """Raise ``DayClosedError`` when ``day`` is closed (one query)."""
    closing = closing_for(kind, [day])
    if closing.is_closed(day, now=now):
        raise DayClosedError(closing.message(day), fields={"date": [closing.message(day)]})
