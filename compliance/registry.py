"""The rule registry: each domain app registers its rules under their stable IDs.

Modelled on Django's system checks::

    from compliance.registry import rule, Violation

    @rule("HW-5-G36", article=5, severity="medium", subject="class",
          title_zh="3–6年级书面作业超时", title_en="Grades 3–6: written homework over the limit",
          params=("hw_max_minutes_g36",), hint_zh="…", hint_en="…")
    def hw_5_g36(ctx):
        ...one or a few queries over ctx.in_districts(...) / ctx.date_from..ctx.date_to...
        return [Violation(school_class_id=..., school_id=..., date=..., evidence={...}), ...]

A rule function receives a ``SweepContext`` (the districts to check, whose
calendars agree over the range; a date range within which every parameter it
reads has one value; optionally a set of schools) and
returns the violations it finds, computed set-based in SQL. The engine
(``compliance.services``) turns them into findings. ``case`` rules have no
function: staff record them. ``compliance`` imports no domain app; the apps
import this module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils import translation

from .choices import RuleDays, RuleKind, Severity, SubjectKind


@dataclass(frozen=True)
class Rule:
    id: str
    article: int
    title_zh: str
    title_en: str
    severity: str
    subject: str
    kind: str = RuleKind.AUTO
    params: tuple[str, ...] = ()
    hint_zh: str = ""
    hint_en: str = ""
    func: Callable[[SweepContext], Iterable[Violation]] | None = None
    #: rules whose findings have no date (registration data) set this: their findings are
    #: in every sweep's scope, whatever the date range
    dated: bool = True
    #: which days a dated rule looks at (``RuleDays``): school days only, every calendar day, or its subject's own
    #: dates (``due_dates`` says which); the nightly schedule sweeps each rule over the days that became checkable
    days: str = RuleDays.EVERY
    #: a completeness rule (something must be filed for a day) names the parameter holding its grace days: a day
    #: becomes checkable the night after its deadline, ``grace`` days after the day
    grace_param: str = ""
    #: ``RuleDays.OWN`` rules: ``due_dates(first, last)`` gives ``{district_id: {date, ...}}``, the dates of the
    #: subjects whose deadline passed between ``first`` and ``last`` (both included): the dates to sweep tonight
    due_dates: Callable[[dt.date, dt.date], dict[int, set[dt.date]]] | None = None
    #: the models (``app_label.model``) whose rows the rule reads: a write to one of them asks for a sweep of this
    #: rule over the dates the write concerns (``compliance.services.sweep_after_write``)
    reads: tuple[str, ...] = ()
    #: the rule matches rows across districts (a trainer of one district, a teacher of another): a write asks for
    #: this rule in every district
    city_wide: bool = False

    def title(self, language: str | None = None) -> str:
        return self.title_en if (language or "").startswith("en") else self.title_zh

    def hint(self, language: str | None = None) -> str:
        return self.hint_en if (language or "").startswith("en") else self.hint_zh


@dataclass
class Violation:
    """One violation a rule found. Subject ids are typed; ``key`` separates several findings of one subject and day."""

    evidence: dict
    date: dt.date | None = None
    date_end: dt.date | None = None
    school_id: int | None = None
    school_class_id: int | None = None
    teacher_id: int | None = None
    institution_id: int | None = None
    key: str = ""
    summary: str = ""
    #: the finding's district; the engine derives it from the school or institution when a rule leaves it out
    district_id: int | None = None

    def fingerprint(self, rule_id: str) -> str:
        parts = [
            rule_id,
            f"s{self.school_id or ''}",
            f"c{self.school_class_id or ''}",
            f"t{self.teacher_id or ''}",
            f"i{self.institution_id or ''}",
            self.date.isoformat() if self.date else "",
            self.date_end.isoformat() if self.date_end else "",
            self.key,
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


@dataclass
class SweepContext:
    """What a rule function is given: some districts, one date range, the parameters in force there.

    The engine gives a rule several districts at once when they share the
    range's calendar (the same school days, holidays and vacations), so a rule
    is one statement for the whole city on an ordinary day; a rule filters with
    ``ctx.in_districts(queryset, path)`` and reads days from ``ctx.calendar``.
    """

    rule: Rule
    districts: tuple  # schools.District rows; their calendars agree on every day of the range
    date_from: dt.date
    date_to: dt.date
    params: dict = field(default_factory=dict)
    school_ids: frozenset[int] | None = None
    _calendar: object = None

    @property
    def district_ids(self) -> list[int]:
        return sorted(d.pk for d in self.districts)

    def in_districts(self, queryset, path: str = "district_id"):
        """Limit a queryset to the context's districts (``path`` leads to a district id)."""
        ids = self.district_ids
        if len(ids) == 1:
            return queryset.filter(**{path: ids[0]})
        return queryset.filter(**{f"{path}__in": ids})

    @property
    def calendar(self):
        if self._calendar is None:
            from schools.calendar import SchoolCalendar  # the spine, not a domain app

            self._calendar = SchoolCalendar(self.districts[0])
        return self._calendar

    def school_days(self) -> list[dt.date]:
        return self.calendar.school_days(self.date_from, self.date_to)

    def limit_schools(self, queryset, path: str = "school_id"):
        """Apply the optional school subset of a filing-triggered sweep."""
        if self.school_ids is None:
            return queryset
        return queryset.filter(**{f"{path}__in": self.school_ids})


def labels_zh(choices) -> dict[str, str]:
    """A choices class's labels in Chinese, the language of findings' evidence and summaries, read once: a
    model's ``get_FOO_display()`` rebuilds the field's choices on every call, which a rule would pay per row."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices.choices}


class AlreadyRegistered(Exception):
    pass


_registry: dict[str, Rule] = {}


def register(r: Rule) -> Rule:
    existing = _registry.get(r.id)
    if existing and existing.func is not None and r.func is not None and existing.func is not r.func:
        if f"{existing.func.__module__}.{existing.func.__qualname__}" != f"{r.func.__module__}.{r.func.__qualname__}":
            raise AlreadyRegistered(f"rule {r.id} is registered twice")
    if r.severity not in Severity.values:
        raise ValueError(f"{r.id}: unknown severity {r.severity!r}")
    if r.subject not in SubjectKind.values:
        raise ValueError(f"{r.id}: unknown subject {r.subject!r}")
    if r.days not in RuleDays.values:
        raise ValueError(f"{r.id}: unknown days {r.days!r}")
    if r.days == RuleDays.OWN and r.func is not None and r.due_dates is None:
        raise ValueError(f"{r.id}: a rule on its subject's own dates must say which (due_dates)")
    if r.grace_param and r.grace_param not in r.params:
        raise ValueError(f"{r.id}: the grace parameter {r.grace_param} must be one of the rule's params")
    _registry[r.id] = r
    return r


def rule(rule_id: str, **meta) -> Callable:
    """Register an ``auto`` rule function under its stable ID."""

    def decorator(func: Callable[[SweepContext], Iterable[Violation]]):
        register(Rule(id=rule_id, func=func, kind=RuleKind.AUTO, **meta))
        return func

    return decorator


def case_rule(rule_id: str, **meta) -> Rule:
    """Register a ``case`` rule: recorded by staff, tracked like any finding."""
    return register(Rule(id=rule_id, kind=RuleKind.CASE, func=None, **meta))


def get_rule(rule_id: str) -> Rule:
    return _registry[rule_id]


def all_rules() -> list[Rule]:
    return sorted(_registry.values(), key=lambda r: r.id)


def auto_rules() -> list[Rule]:
    return [r for r in all_rules() if r.kind == RuleKind.AUTO]


def rules_reading(labels) -> list[Rule]:
    """The auto rules that read any of these models (``app_label.model``)."""
    wanted = {label.lower() for label in labels}
    return [r for r in auto_rules() if wanted.intersection(r.reads)]


def is_registered(rule_id: str) -> bool:
    return rule_id in _registry
