"""Reads of the compliance engine, always through the scoping mechanism."""

import datetime as dt

from django.db.models import Count

from accounts.choices import Role
from accounts.scoping import is_city, restrict, role_of

from . import registry
from .choices import ACTIVE_STATUSES, FindingStatus, NoticeState
from .models import Finding, RectificationNotice


def findings_visible(*, user):
    return restrict(Finding.objects.all(), user).select_related(
        "district", "school", "school_class", "institution", "teacher"
    )


#: the rule subjects that can concern a school's or an institution's staff (bureau staff see every rule)
ROLE_SUBJECTS = {
    Role.SCHOOL: frozenset({"class", "school", "teacher"}),
    Role.INSTITUTION: frozenset({"institution"}),
}


def rules_for_user(user) -> list[registry.Rule]:
    """The registered rules whose findings can concern the user: a school's staff the school, class and teacher
    rules, an institution's the institution rules, bureau staff every rule."""
    rules = registry.all_rules()
    profile = None if is_city(user) else role_of(user)
    subjects = ROLE_SUBJECTS.get(getattr(profile, "role", None))
    if subjects is None:
        return rules
    return [r for r in rules if r.subject in subjects]


def rule_counts(queryset, *, language=None) -> list[dict]:
    """How many of ``queryset``'s findings each rule has, the most first (one query): ``[{"rule_id", "title",
    "count"}]``."""
    rows = queryset.order_by().values("rule_id").annotate(n=Count("id")).order_by("-n", "rule_id")
    out = []
    for row in rows:
        rule = registry.get_rule(row["rule_id"]) if registry.is_registered(row["rule_id"]) else None
        out.append({"rule_id": row["rule_id"], "title": rule.title(language) if rule else "", "count": row["n"]})
    return out


def open_findings_for_landing(*, user, limit=20) -> list[dict]:
    """The caller's active findings, newest first, each with the rule's title and what to fix."""
    rows = findings_visible(user=user).filter(status__in=ACTIVE_STATUSES).order_by("-period_start", "-id")[:limit]
    out = []
    for f in rows:
        rule = registry.get_rule(f.rule_id) if registry.is_registered(f.rule_id) else None
        out.append({"finding": f, "rule": rule})
    return out


def rule_catalogue(
    *, on, language: str | None = None, kind: str | None = None, subject: str | None = None, article: int | None = None
) -> list[dict]:
    """Every registered rule with the parameters in force on ``on`` (one query)."""
    from .parameters import parameters_in_force

    in_force = parameters_in_force(on=on)
    out = []
    for r in registry.all_rules():
        if (kind and r.kind != kind) or (subject and r.subject != subject) or (article and r.article != article):
            continue
        params = []
        for key in r.params:
            row = in_force.get(key)
            params.append(
                {
                    "key": key,
                    "value": row.value if row else None,
                    "effective_from": row.effective_from if row else None,
                    "source": row.source if row else "",
                }
            )
        out.append(
            {
                "id": r.id,
                "article": r.article,
                "title_zh": r.title_zh,
                "title_en": r.title_en,
                "title": r.title(language),
                "hint": r.hint(language),
                "hint_zh": r.hint_zh,
                "hint_en": r.hint_en,
                "severity": r.severity,
                "subject": r.subject,
                "kind": r.kind,
                "dated": r.dated,
                "params": params,
            }
        )
    return out


def notices_visible(*, user):
    """The notices the caller may see: district staff their district's, a school or institution its own."""
    return restrict(RectificationNotice.objects.all(), user).select_related("district", "school", "institution")


def notices_open_for_landing(*, user, limit=20):
    """The caller's notices still waiting for something (a report, a review), the nearest deadline first."""
    return list(notices_visible(user=user).exclude(state=NoticeState.ACCEPTED).order_by("deadline", "id")[:limit])


def notice_candidates(*, user, ids=None, queryset=None, limit=500):
    """The open findings a notice may be issued for, grouped by the school or institution concerned:
    ``[(subject, [findings])]``. ``ids``: chosen rows; else ``queryset`` (a filtered list), at most ``limit``."""
    qs = findings_visible(user=user).filter(status=FindingStatus.OPEN)
    qs = qs.filter(pk__in=ids) if ids is not None else qs.filter(pk__in=queryset.values("pk"))
    groups: dict = {}
    for f in qs.exclude(school__isnull=True, institution__isnull=True).order_by("pk")[:limit]:
        subject = f.school or f.institution
        groups.setdefault((type(subject).__name__, subject.pk), (subject, []))[1].append(f)
    return list(groups.values())


def run_calendar_gaps(run) -> list[dict]:
    """The years a run could not check because the holiday calendar does not know them, one entry per year with
    the districts concerned (codes) and the page where city staff enter the year, read from the run's errors
    (``{"code": "calendar_gap", "year": 2027, "district": "110101", ...}``)."""
    from django.urls import reverse

    from schools.calendar import CalendarGap

    years: dict[int, set[str]] = {}
    for error in run.errors or ():
        if isinstance(error, dict) and error.get("code") == CalendarGap.code and error.get("year"):
            years.setdefault(int(error["year"]), set()).update([error["district"]] if error.get("district") else [])
    url = reverse("schools:statutory-years")
    return [
        {"year": year, "districts": sorted(districts), "enter_url": f"{url}?year={year}"}
        for year, districts in sorted(years.items())
    ]


def run_other_errors(run) -> list[dict]:
    """A run's errors other than its calendar gaps (``run_calendar_gaps``): parts that failed."""
    from schools.calendar import CalendarGap

    return [e for e in run.errors or () if not (isinstance(e, dict) and e.get("code") == CalendarGap.code)]


def parameter_overview(*, on) -> list[dict]:
    """Every rule parameter (计规则参数): its value in force on ``on``, the next value already scheduled, how many
    dated values it has, and the rules that read it. Two queries' worth of rows, read once."""
    from .models import RuleParameter
    from .parameters import parameter_label

    rows: dict[str, dict] = {}
    for row in RuleParameter.objects.order_by("key", "effective_from"):
        entry = rows.setdefault(
            row.key, {"key": row.key, "label": parameter_label(row.key), "current": None, "next": None, "count": 0}
        )
        entry["count"] += 1
        if row.effective_from <= on:
            entry["current"] = row
        elif entry["next"] is None:
            entry["next"] = row
    readers: dict[str, list] = {}
    for rule in registry.all_rules():
        for key in rule.params:
            readers.setdefault(key, []).append(rule)
    for key in readers:
        rows.setdefault(key, {"key": key, "label": parameter_label(key), "current": None, "next": None, "count": 0})
    for entry in rows.values():
        entry["rules"] = readers.get(entry["key"], [])
    return sorted(rows.values(), key=lambda e: e["key"])


def parameter_history(*, key: str, on) -> list[dict]:
    """A parameter's dated values, newest first, each with the day it ends (the day before the next value), whether
    it is the one in force on ``on`` or still to come, and who entered it."""
    from .models import RuleParameter

    values = list(RuleParameter.objects.filter(key=key).select_related("created_by").order_by("effective_from"))
    out = []
    for i, row in enumerate(values):
        following = values[i + 1] if i + 1 < len(values) else None
        ends = following.effective_from - dt.timedelta(days=1) if following else None
        out.append(
            {
                "row": row,
                "ends_on": ends,
                "in_force": row.effective_from <= on and (following is None or following.effective_from > on),
                "future": row.effective_from > on,
            }
        )
    return list(reversed(out))
