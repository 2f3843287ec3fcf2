"""One rule over some districts and dates: ask it for its violations, then reconcile the findings with them.

1. the date range is split where the rule's parameters change, and the
   districts are grouped by calendar (usually one group: the whole city);
2. the rule returns its violations (set-based SQL inside the rule);
3. the findings are upserted by fingerprint in one statement, so running it
   twice changes nothing, and a cleared finding the data shows again reopens;
4. the active findings of that rule, districts, date range (and school
   subset) that this execution did not confirm are marked ``cleared``.
The statements are in ``compliance/sql.py``; the database does the set work and
Python only serialises the evidence.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import uuid
from dataclasses import dataclass

import orjson
from django.utils import timezone

from .. import registry, sql
from ..choices import ACTIVE_STATUSES, FindingStatus, RuleKind
from ..models import Finding
from ..parameters import parameter_segments

#: findings upserted per statement
UPSERT_CHUNK = 20000

REASON_FOUND = "检查发现 / found by a sweep"
REASON_FOUND_AGAIN = "检查再次发现 / found again by a sweep"
REASON_GONE = "数据已不再显示该问题 / the data no longer shows it"
REASON_CORRECTED = "数据已更正，待复核确认 / the data was corrected: for the reviewer to confirm"


@dataclass
class PartCounts:
    new: int = 0
    still_open: int = 0
    cleared: int = 0


@functools.lru_cache(maxsize=256)
def _run_segments(run_key: tuple, keys: tuple[str, ...], date_from: dt.date, date_to: dt.date):
    return parameter_segments(keys, date_from, date_to)


@functools.lru_cache(maxsize=64)
def _run_calendars(run_key: tuple, district_ids: tuple[int, ...]):
    from schools.calendar import SchoolCalendar

    return SchoolCalendar.for_districts(district_ids)


def _calendar_groups(districts, date_from: dt.date, date_to: dt.date, run_key: tuple | None):
    """The districts in groups whose calendars agree on every day of the range, each with that calendar.

    Vacations may differ by district; on an ordinary range all sixteen agree and
    a rule runs once for the whole city. A year the calendar does not know
    raises ``CalendarGap`` (a ``ServiceError``).
    """
    from schools.calendar import SchoolCalendar

    districts = sorted(districts, key=lambda d: d.pk)
    ids = tuple(d.pk for d in districts)
    calendars = _run_calendars(run_key, ids) if run_key else SchoolCalendar.for_districts(ids)
    groups: dict[tuple, tuple[list, object]] = {}
    for district in districts:
        calendar = calendars[district.pk]
        signature = tuple(calendar.days(date_from, date_to))
        groups.setdefault(signature, ([], calendar))[0].append(district)
    return [(tuple(members), calendar) for members, calendar in groups.values()]


def _assign_districts(violations, district_ids: list[int], run_key: tuple | None = None) -> None:
    """Give each violation its district: the rule's own, else its school's or institution's."""
    missing = [v for v in violations if v.district_id is None]
    if not missing:
        return
    if len(district_ids) == 1:
        for v in missing:
            v.district_id = district_ids[0]
        return
    key = run_key or (uuid.uuid4().hex,)  # outside a run: read afresh
    for v in missing:
        for field, attr in (("school", "school_id"), ("institution", "institution_id")):
            if getattr(v, attr):
                v.district_id = _districts_of(key, field, tuple(district_ids)).get(getattr(v, attr))
                break
        if v.district_id not in district_ids:
            raise ValueError(f"a violation of {v.summary or v.evidence!r} names no district of this sweep")


@functools.lru_cache(maxsize=64)
def _districts_of(run_key: tuple, field: str, district_ids: tuple[int, ...]) -> dict[int, int]:
    """Every school (or institution) of these districts with its district, read once per run and process."""
    model = Finding._meta.get_field(field).related_model
    if not isinstance(model, type):
        raise ValueError(f"Finding.{field} is not a foreign key")
    return dict(model._default_manager.filter(district_id__in=district_ids).values_list("pk", "district_id"))


def evidence_text(v: registry.Violation) -> str:
    """A finding's evidence as the JSON text stored (and digested): compact, dates as ISO text, other values
    (decimals) as their text."""
    return orjson.dumps(v.evidence, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def evidence_digest(evidence_text: str, summary: str) -> str:
    """What a finding shows (evidence and summary) as a short digest: a sweep that sees it unchanged does not
    rewrite it."""
    return hashlib.sha1(f"{evidence_text}\x1f{summary[:300]}".encode()).hexdigest()


@dataclass(frozen=True)
class Reconciliation:
    """One execution's reconciliation of a rule's findings with what it found."""

    rule: registry.Rule
    violations: dict[str, registry.Violation]  # by fingerprint
    district_ids: list[int]
    date_from: dt.date
    date_to: dt.date
    school_ids: frozenset[int] | None
    now: dt.datetime
    token: str
    label: str

    def common(self) -> dict:
        """The parameters both statements share."""
        return {
            "rule": self.rule.id,
            "auto": RuleKind.AUTO,
            "open": FindingStatus.OPEN,
            "cleared": FindingStatus.CLEARED,
            "active": list(ACTIVE_STATUSES),
            "now": self.now,
            "token": self.token,
            "label": self.label,
        }


def _upsert_columns(chunk: list[tuple[str, registry.Violation]]) -> dict[str, list]:
    """The violations as the upsert's column arrays (psycopg sends each list as one array)."""
    texts = [evidence_text(v) for _, v in chunk]
    summaries = [v.summary[:300] for _, v in chunk]
    return {
        "fingerprint": [fp for fp, _ in chunk],
        "district": [v.district_id for _, v in chunk],
        "school": [v.school_id for _, v in chunk],
        "class": [v.school_class_id for _, v in chunk],
        "teacher": [v.teacher_id for _, v in chunk],
        "institution": [v.institution_id for _, v in chunk],
        "start": [v.date for _, v in chunk],
        "end": [v.date_end for _, v in chunk],
        "evidence": texts,
        "summary": summaries,
        "digest": [evidence_digest(t, s) for t, s in zip(texts, summaries)],
    }


def reconcile(job: Reconciliation) -> dict[int, PartCounts]:
    """Upsert, reopen and clear in two statements (the first once per ``UPSERT_CHUNK`` findings); counts per
    district. See ``sql.FINDINGS_UPSERT`` and ``sql.findings_clear_stale``."""
    counts = {pk: PartCounts() for pk in job.district_ids}
    common = job.common()
    items = list(job.violations.items())
    with sql.server_bound_cursor() as cur:
        for i in range(0, len(items), UPSERT_CHUNK):
            cur.execute(
                sql.FINDINGS_UPSERT,
                {
                    **common,
                    **_upsert_columns(items[i : i + UPSERT_CHUNK]),
                    "found": REASON_FOUND,
                    "found_again": REASON_FOUND_AGAIN,
                },
            )
            for district_id, new, still_open in cur.fetchall():
                counts[district_id].new += new
                counts[district_id].still_open += still_open
        cur.execute(
            sql.findings_clear_stale(dated=job.rule.dated, some_schools=job.school_ids is not None),
            {
                **common,
                "districts": job.district_ids,
                "date_from": job.date_from,
                "date_to": job.date_to,
                "schools": sorted(job.school_ids or ()),
                "reason": REASON_GONE,
                "corrected_reason": REASON_CORRECTED,
            },
        )
        for district_id, cleared in cur.fetchall():
            counts[district_id].cleared += cleared
    return counts


def sweep_rule_districts(
    *,
    rule: registry.Rule,
    districts,
    date_from: dt.date,
    date_to: dt.date,
    school_ids: frozenset[int] | None = None,
    run_label: str = "",
    run_key: tuple | None = None,
) -> dict[int, PartCounts]:
    """Run one rule over some districts and a date range and reconcile its findings; counts per district.
    Call inside a transaction.

    The rule is called once per parameter segment and calendar group (usually
    once for the whole city), and the findings of every district are upserted,
    reopened and cleared together. Within one run (``run_key``: its id and
    creation time) the parameter segments and the calendars are read once per
    process, not once per part.
    """
    func = rule.func
    if func is None:
        raise ValueError(f"{rule.id} is a case rule: staff record its findings, no sweep runs it")
    token = uuid.uuid4().hex
    now = timezone.now()
    district_ids = sorted(d.pk for d in districts)
    violations: dict[str, registry.Violation] = {}
    if run_key is None:
        segments = parameter_segments(rule.params, date_from, date_to)
    else:
        segments = _run_segments(run_key, tuple(rule.params), date_from, date_to)
    if rule.dated:
        groups = _calendar_groups(districts, date_from, date_to, run_key)
    else:
        # registration data is judged once, by the values in force at the end of the range
        segments = list(segments)[-1:]
        groups = [(tuple(sorted(districts, key=lambda d: d.pk)), None)]
    for seg_from, seg_to, params in segments:
        for members, calendar in groups:
            ctx = registry.SweepContext(
                rule=rule,
                districts=members,
                date_from=seg_from,
                date_to=seg_to,
                params=dict(params),
                school_ids=school_ids,
                _calendar=calendar,
            )
            for v in func(ctx):
                violations[v.fingerprint(rule.id)] = v
    _assign_districts(violations.values(), district_ids, run_key)
    return reconcile(
        Reconciliation(
            rule=rule,
            violations=violations,
            district_ids=district_ids,
            date_from=date_from,
            date_to=date_to,
            school_ids=school_ids,
            now=now,
            token=token,
            label=run_label,
        )
    )


def sweep_rule_district(*, rule: registry.Rule, district, **kwargs) -> PartCounts:
    """``sweep_rule_districts`` for one district."""
    return sweep_rule_districts(rule=rule, districts=[district], **kwargs)[district.pk]
