"""Writes of the compliance engine: sweeps, runs, and finding status changes.

A sweep runs rule × district parts; a task executes the parts of a few rules
in one transaction, each rule running once over all its parts' districts:
1. splits the run's date range where the rule's parameters change;
2. asks the rule for its violations (set-based SQL inside the rule);
3. upserts findings by fingerprint (one statement on PostgreSQL), so running
   it twice changes nothing, and reopens a cleared finding the data shows again;
4. marks ``cleared`` the active findings of that rule, district, date range
   (and school subset) that this execution did not confirm.
A part that is executed again (a worker killed, a task redelivered) simply
repeats this; the run's counts are the sum of its parts, never increments.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import uuid
from dataclasses import dataclass

import orjson
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Sum
from django.utils import timezone

from accounts.audit import audit_record
from schools.models import District
from shuangjian.errors import ConflictError, ServiceError

from . import registry
from .choices import ACTIVE_STATUSES, ALLOWED_TRANSITIONS, FindingStatus, RuleKind, RunState, RunTrigger
from .models import ComplianceRun, ComplianceRunPart, Finding, FindingEvent, RuleParameter, SweepRequest
from .parameters import parameter_segments
from .signals import run_finished

logger = logging.getLogger(__name__)

BATCH = 2000
MAX_RUN_DAYS = 400
SCHOOL_SUBJECTS = ("class", "school", "teacher")
#: errors a task retries (the database went away); anything else fails the part at once
RETRYABLE = (OperationalError, InterfaceError)


@dataclass
class PartCounts:
    new: int = 0
    still_open: int = 0
    cleared: int = 0


def _subject_ids(v: registry.Violation) -> dict:
    return {
        "school_id": v.school_id,
        "school_class_id": v.school_class_id,
        "teacher_id": v.teacher_id,
        "institution_id": v.institution_id,
    }


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
    return dict(model.objects.filter(district_id__in=district_ids).values_list("pk", "district_id"))


def _evidence_text(v: registry.Violation) -> str:
    """A finding's evidence as the JSON text stored (and digested): compact, dates as ISO text, other values
    (decimals) as their text."""
    return orjson.dumps(v.evidence, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def _evidence_digest(evidence_text: str, summary: str) -> str:
    """What a finding shows (evidence and summary) as a short digest: a sweep that sees it unchanged does not
    rewrite it."""
    return hashlib.sha1(f"{evidence_text}\x1f{summary[:300]}".encode()).hexdigest()


def _finding_row(rule: registry.Rule, fp: str, v: registry.Violation, digest: str, *, now, token: str) -> Finding:
    return Finding(
        rule_id=rule.id, kind=RuleKind.AUTO, district_id=v.district_id, period_start=v.date, period_end=v.date_end,
        evidence=v.evidence, summary=v.summary[:300], fingerprint=fp, status=FindingStatus.OPEN, first_seen=now,
        last_seen=now, status_changed_at=now, sweep_token=token, evidence_digest=digest, **_subject_ids(v),
    )


def _upsert_findings(rows: list[Finding]) -> None:
    """Insert findings, or rewrite what a sweep confirms (sighting, evidence, summary) where the fingerprint exists."""
    Finding.objects.bulk_create(
        rows, batch_size=BATCH, update_conflicts=True, unique_fields=["fingerprint"],
        update_fields=["last_seen", "evidence", "summary", "sweep_token", "evidence_digest"],
    )


@dataclass(frozen=True)
class _Reconcile:
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

    def stale(self):
        """The active findings of this rule in the execution's scope that it did not confirm (its token is not
        theirs). Staff-recorded cases under an auto rule's ID are not the sweep's to clear."""
        qs = Finding.objects.filter(rule_id=self.rule.id, kind=RuleKind.AUTO, status__in=ACTIVE_STATUSES).exclude(
            sweep_token=self.token)
        ids = self.district_ids
        qs = qs.filter(district_id=ids[0]) if len(ids) == 1 else qs.filter(district_id__in=ids)
        if self.rule.dated:
            qs = qs.filter(period_start__gte=self.date_from, period_start__lte=self.date_to)
        if self.school_ids is not None:
            qs = qs.filter(school_id__in=self.school_ids)
        return qs.order_by()


REASON_FOUND = "检查发现 / found by a sweep"
REASON_FOUND_AGAIN = "检查再次发现 / found again by a sweep"
REASON_GONE = "数据已不再显示该问题 / the data no longer shows it"


def _reconcile_orm(job: _Reconcile) -> dict[int, PartCounts]:
    """Upsert, reopen and clear through the ORM (SQLite: the demo); the same outcome as ``_reconcile_postgresql``."""
    counts = {pk: PartCounts() for pk in job.district_ids}
    violations, now, token = job.violations, job.now, job.token
    digests = {fp: _evidence_digest(_evidence_text(v), v.summary) for fp, v in violations.items()}
    fps = list(violations)
    existing: dict[str, tuple[int, str, str]] = {}
    for i in range(0, len(fps), BATCH):
        existing.update(
            (fp, (pk, status, digest)) for fp, pk, status, digest in Finding.objects.filter(
                fingerprint__in=fps[i : i + BATCH]).values_list("fingerprint", "id", "status", "evidence_digest")
        )
    events = []
    # new findings, and confirmed findings whose evidence changed, are written; the others only get the sighting
    _upsert_findings([_finding_row(job.rule, fp, v, digests[fp], now=now, token=token)
                      for fp, v in violations.items() if fp not in existing or existing[fp][2] != digests[fp]])
    same = [existing[fp][0] for fp in fps if fp in existing and existing[fp][2] == digests[fp]]
    for i in range(0, len(same), BATCH):
        Finding.objects.filter(pk__in=same[i : i + BATCH]).update(last_seen=now, sweep_token=token)
    fresh = [fp for fp in fps if fp not in existing]
    for i in range(0, len(fresh), BATCH):
        events.extend(
            FindingEvent(finding_id=pk, from_status="", to_status=FindingStatus.OPEN, actor_label=job.label, at=now,
                         reason=REASON_FOUND)
            for pk in Finding.objects.filter(fingerprint__in=fresh[i : i + BATCH]).values_list("id", flat=True)
        )
    for fp in fresh:
        counts[violations[fp].district_id].new += 1
    # the data shows a cleared finding again: reopen it
    reopened = [(pk, fp) for fp, (pk, status, _) in existing.items() if status == FindingStatus.CLEARED]
    if reopened:
        Finding.objects.filter(pk__in=[pk for pk, _ in reopened]).update(
            status=FindingStatus.OPEN, status_changed_at=now)
    for pk, fp in reopened:
        events.append(FindingEvent(finding_id=pk, from_status=FindingStatus.CLEARED, to_status=FindingStatus.OPEN,
                                   actor_label=job.label, at=now, reason=REASON_FOUND_AGAIN))
        counts[violations[fp].district_id].new += 1
    for fp, (_, status, _) in existing.items():
        if status in ACTIVE_STATUSES:
            counts[violations[fp].district_id].still_open += 1
    # what this execution did not confirm, within its scope, is cleared
    stale_rows = list(job.stale().values_list("id", "status", "district_id"))
    if stale_rows:
        Finding.objects.filter(pk__in=[pk for pk, _, _ in stale_rows]).update(
            status=FindingStatus.CLEARED, status_changed_at=now)
    for pk, status, district_id in stale_rows:
        events.append(FindingEvent(finding_id=pk, from_status=status, to_status=FindingStatus.CLEARED,
                                   actor_label=job.label, at=now, reason=REASON_GONE))
        counts[district_id].cleared += 1
    FindingEvent.objects.bulk_create(events, batch_size=BATCH)
    return counts


def _text_array(values) -> str:
    """A PostgreSQL array literal (``{"…","…"}``) of strings, ``None`` as NULL: the server reads it as one
    constant, where psycopg2's ``ARRAY[…]`` makes it parse one per element (measured for 1,481 findings'
    columns: 10 ms against 18 ms)."""
    return "{" + ",".join(
        ["NULL" if v is None else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values]
    ) + "}"


def _plain_array(values) -> str:
    """The same for numbers, dates and hex digests: nothing to quote."""
    return "{" + ",".join(["NULL" if v is None else str(v) for v in values]) + "}"


def _reconcile_postgresql(job: _Reconcile) -> dict[int, PartCounts]:
    """Upsert, reopen and clear in two statements (per 20,000 findings): the violations travel as column arrays.

    1. ``INSERT … SELECT FROM unnest(…) ON CONFLICT (fingerprint) DO UPDATE``:
       a new finding is inserted; an existing one gets the sighting (its
       evidence rewritten only where the digest changed) and, if it was
       cleared, is reopened. The unique index is probed once per violation.
       A row whose ``first_seen`` is this execution's ``now`` was inserted;
       one whose ``status_changed_at`` is, without that, was reopened. Each of
       these gets its history event; the counts per district come back.
    2. Clear the active findings in scope that statement 1 did not mark with
       this execution's token, with their events; return the counts.
    The database does the set work; Python only serialises the evidence.
    """
    counts = {pk: PartCounts() for pk in job.district_ids}
    q = connection.ops.quote_name
    finding, event = Finding._meta, FindingEvent._meta
    f = {field.name: q(field.column) for field in finding.concrete_fields}
    e = {field.name: q(field.column) for field in event.concrete_fields}
    table, events_table = q(finding.db_table), q(event.db_table)
    event_columns = ", ".join(e[name] for name in ("finding", "from_status", "to_status", "actor_label", "at", "reason"))
    upsert = f"""
        WITH upserted AS (
            INSERT INTO {table} AS f ({f['rule_id']}, {f['kind']}, {f['status']}, {f['first_seen']}, {f['last_seen']},
                {f['status_changed_at']}, {f['sweep_token']}, {f['fingerprint']}, {f['district']}, {f['school']},
                {f['school_class']}, {f['teacher']}, {f['institution']}, {f['period_start']}, {f['period_end']},
                {f['evidence']}, {f['summary']}, {f['evidence_digest']})
            SELECT %(rule)s, %(auto)s, %(open)s, %(now)s, %(now)s, %(now)s, %(token)s, v.*
            FROM unnest(%(fp)s::varchar[], %(district)s::bigint[], %(school)s::bigint[], %(class)s::bigint[],
                        %(teacher)s::bigint[], %(institution)s::bigint[], %(start)s::date[], %(end)s::date[],
                        %(evidence)s::jsonb[], %(summary)s::varchar[], %(digest)s::varchar[]) AS v
            ON CONFLICT ({f['fingerprint']}) DO UPDATE SET
                {f['last_seen']} = EXCLUDED.{f['last_seen']}, {f['sweep_token']} = EXCLUDED.{f['sweep_token']},
                {f['evidence']} = CASE WHEN f.{f['evidence_digest']} = EXCLUDED.{f['evidence_digest']}
                                  THEN f.{f['evidence']} ELSE EXCLUDED.{f['evidence']} END,
                {f['summary']} = EXCLUDED.{f['summary']}, {f['evidence_digest']} = EXCLUDED.{f['evidence_digest']},
                {f['status']} = CASE WHEN f.{f['status']} = %(cleared)s THEN %(open)s ELSE f.{f['status']} END,
                {f['status_changed_at']} = CASE WHEN f.{f['status']} = %(cleared)s THEN %(now)s
                                           ELSE f.{f['status_changed_at']} END
            RETURNING f.{f['id']} AS id, f.{f['district']} AS district, f.{f['status']} AS status,
                f.{f['first_seen']} = %(now)s AS inserted,
                f.{f['first_seen']} <> %(now)s AND f.{f['status_changed_at']} = %(now)s AS reopened
        ),
        events AS (
            INSERT INTO {events_table} ({event_columns})
            SELECT id, CASE WHEN inserted THEN '' ELSE %(cleared)s END, %(open)s, %(label)s, %(now)s,
                CASE WHEN inserted THEN %(found)s ELSE %(found_again)s END
            FROM upserted WHERE inserted OR reopened
        )
        SELECT district, count(*) FILTER (WHERE inserted OR reopened),
            count(*) FILTER (WHERE NOT inserted AND NOT reopened AND status = ANY(%(active)s))
        FROM upserted GROUP BY district
    """
    common = {
        "rule": job.rule.id, "auto": RuleKind.AUTO, "open": FindingStatus.OPEN, "cleared": FindingStatus.CLEARED,
        "now": job.now, "token": job.token, "label": job.label, "found": REASON_FOUND,
        "found_again": REASON_FOUND_AGAIN, "active": list(ACTIVE_STATUSES),
    }
    items = list(job.violations.items())
    with connection.cursor() as cur:
        for i in range(0, len(items), BATCH * 10):
            chunk = items[i : i + BATCH * 10]
            texts = [_evidence_text(v) for _, v in chunk]
            summaries = [v.summary[:300] for _, v in chunk]
            cur.execute(upsert, {
                **common,
                "fp": _plain_array([fp for fp, _ in chunk]),
                "district": _plain_array([v.district_id for _, v in chunk]),
                "school": _plain_array([v.school_id for _, v in chunk]),
                "class": _plain_array([v.school_class_id for _, v in chunk]),
                "teacher": _plain_array([v.teacher_id for _, v in chunk]),
                "institution": _plain_array([v.institution_id for _, v in chunk]),
                "start": _plain_array([v.date for _, v in chunk]), "end": _plain_array([v.date_end for _, v in chunk]),
                "evidence": _text_array(texts), "summary": _text_array(summaries),
                "digest": _plain_array([_evidence_digest(t, s) for t, s in zip(texts, summaries)]),
            })
            for district_id, new, still_open in cur.fetchall():
                counts[district_id].new += new
                counts[district_id].still_open += still_open
        stale_sql, stale_params = job.stale().values_list("id", "status", "district_id").query.sql_with_params()
        cur.execute(
            f"""
            WITH stale (id, status, district) AS MATERIALIZED ({stale_sql}),
            cleared AS (
                UPDATE {table} f SET {f['status']} = %s, {f['status_changed_at']} = %s
                FROM stale WHERE f.{f['id']} = stale.id
            ),
            events AS (
                INSERT INTO {events_table} ({event_columns})
                SELECT id, status, %s, %s, %s, %s FROM stale
            )
            SELECT district, count(*) FROM stale GROUP BY district
            """,
            [*stale_params, FindingStatus.CLEARED, job.now, FindingStatus.CLEARED, job.label, job.now, REASON_GONE],
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
                rule=rule, districts=members, date_from=seg_from, date_to=seg_to, params=dict(params),
                school_ids=school_ids, _calendar=calendar,
            )
            for v in rule.func(ctx):
                violations[v.fingerprint(rule.id)] = v
    _assign_districts(violations.values(), district_ids, run_key)
    job = _Reconcile(rule=rule, violations=violations, district_ids=district_ids, date_from=date_from,
                     date_to=date_to, school_ids=school_ids, now=now, token=token, label=run_label)
    return _reconcile_postgresql(job) if connection.vendor == "postgresql" else _reconcile_orm(job)


def sweep_rule_district(*, rule: registry.Rule, district: District, **kwargs) -> PartCounts:
    """``sweep_rule_districts`` for one district."""
    return sweep_rule_districts(rule=rule, districts=[district], **kwargs)[district.pk]


# -- runs -------------------------------------------------------------------


def run_create(
    *,
    date_from: dt.date,
    date_to: dt.date,
    district_codes: list[str] | None = None,
    rule_ids: list[str] | None = None,
    school_ids: list[int] | None = None,
    trigger: str = RunTrigger.API,
    started_by=None,
) -> ComplianceRun:
    """Record a run and its rule × district parts. The caller enqueues it (after commit)."""
    if date_to < date_from:
        raise ServiceError("结束日期不能早于开始日期 / date_to is before date_from", fields={"date_to": ["早于开始日期"]})
    if (date_to - date_from).days > MAX_RUN_DAYS:
        raise ServiceError("一次检查最多覆盖400天 / a run covers at most 400 days", fields={"date_to": ["范围过大"]})
    rules = registry.auto_rules()
    if rule_ids:
        unknown = sorted(set(rule_ids) - {r.id for r in rules})
        if unknown:
            raise ServiceError(f"未知或非自动规则：{', '.join(unknown)}", fields={"rule_ids": unknown})
        rules = [r for r in rules if r.id in set(rule_ids)]
    if school_ids:
        # a sweep of some schools only concerns rules whose findings belong to a school
        rules = [r for r in rules if r.subject in SCHOOL_SUBJECTS]
    districts = District.objects.all()
    if district_codes:
        districts = districts.filter(code__in=district_codes)
        missing = sorted(set(district_codes) - set(districts.values_list("code", flat=True)))
        if missing:
            raise ServiceError(f"未知的区代码：{', '.join(missing)}", fields={"district_codes": missing})
    districts = list(districts)
    with transaction.atomic():
        run = ComplianceRun.objects.create(
            trigger=trigger,
            started_by=started_by if getattr(started_by, "is_authenticated", False) else None,
            date_from=date_from,
            date_to=date_to,
            district_codes=[d.code for d in districts],
            scope_district=districts[0] if len(districts) == 1 else None,
            rule_ids=[r.id for r in rules] if rule_ids else [],
            school_ids=sorted(school_ids or []),
            parts_total=len(rules) * len(districts),
        )
        ComplianceRunPart.objects.bulk_create(
            ComplianceRunPart(run=run, district=d, rule_id=r.id) for d in districts for r in rules
        )
    return run


def run_parts_execute(*, part_ids: list[int], final_attempt: bool = True) -> list[ComplianceRunPart]:
    """Execute parts of one run (one task's batch: the parts of a few rules), each rule running once over all
    its parts' districts.

    Safe to call again for the same parts (a redelivered task). Everything,
    the findings, the parts' states and the run's sums, commits in ONE
    transaction that starts by locking the parts: a second delivery waits for
    the first and then finds them done, and a worker killed midway leaves
    nothing behind (the transaction rolls back and the redelivered task starts
    over).

    When the parts fail together, they are executed again split up, first
    rule by rule, then one by one, so each rule and each district records its
    own outcome: a user-fixable problem (``ServiceError``: a calendar gap, a
    missing parameter) fails its part at once; any other exception is
    re-raised for the task to retry, and fails the part only on the
    ``final_attempt``; until then it waits as queued with the error noted.
    """
    part_ids = sorted(set(part_ids))
    if len(part_ids) > 1:
        try:
            with transaction.atomic():
                return _execute_locked(part_ids)
        except Exception as exc:  # noqa: BLE001 - split up, each piece records its own outcome
            logger.warning("compliance parts %s failed together (%s): executing them split up", part_ids, exc)
        by_rule: dict[str, list[int]] = {}
        for part_id, rule_id in ComplianceRunPart.objects.filter(pk__in=part_ids).values_list("id", "rule_id"):
            by_rule.setdefault(rule_id, []).append(part_id)
        pieces = list(by_rule.values()) if len(by_rule) > 1 else [[part_id] for part_id in part_ids]
        parts, first_error = [], None
        for piece in pieces:
            try:
                parts.extend(run_parts_execute(part_ids=piece, final_attempt=final_attempt))
            except Exception as exc:  # noqa: BLE001 - recorded on the part; re-raised below for the retry
                first_error = first_error or exc
        if first_error is not None:
            raise first_error
        return parts
    part_id = part_ids[0]
    try:
        with transaction.atomic():
            return _execute_locked(part_ids)
    except ServiceError as exc:  # a calendar gap, a missing parameter: the user must act
        _part_failed(part_id, exc.message)
    except Exception as exc:  # noqa: BLE001 - recorded on the run, then re-raised for the task's retry
        message = f"{type(exc).__name__}: {exc}"
        if final_attempt or not isinstance(exc, RETRYABLE):
            _part_failed(part_id, message)
        else:
            ComplianceRunPart.objects.filter(pk=part_id).exclude(state=RunState.DONE).update(
                state=RunState.QUEUED, error=f"重试中 / retrying: {message}"[:2000], attempts=F("attempts") + 1
            )
        raise
    return [ComplianceRunPart.objects.get(pk=part_id)]


def run_part_execute(*, part_id: int, final_attempt: bool = True) -> ComplianceRunPart:
    """Execute one part (see ``run_parts_execute``)."""
    return run_parts_execute(part_ids=[part_id], final_attempt=final_attempt)[0]


def _execute_locked(part_ids: list[int]) -> list[ComplianceRunPart]:
    """Lock the parts, run each of their rules over its parts' districts, record the outcome; inside a
    transaction."""
    parts = list(
        ComplianceRunPart.objects.select_for_update(of=("self",)).select_related("run", "district")
        .filter(pk__in=part_ids).order_by("pk")
    )
    todo = [p for p in parts if p.state != RunState.DONE]
    if not todo:
        return parts
    if len({p.run_id for p in todo}) > 1:
        raise ValueError("parts executed together must belong to one run")
    run = todo[0].run
    by_rule: dict[str, list[ComplianceRunPart]] = {}
    for p in todo:
        by_rule.setdefault(p.rule_id, []).append(p)
    _serialize_and_relax([(p.rule_id, p.district_id) for p in todo])
    was_failed = any(p.state == RunState.FAILED for p in todo)
    run_key = (run.pk, run.created_at.isoformat())
    for rule_id, rule_parts in by_rule.items():
        counts = sweep_rule_districts(
            rule=registry.get_rule(rule_id),
            districts=[p.district for p in rule_parts],
            date_from=run.date_from,
            date_to=run.date_to,
            school_ids=frozenset(run.school_ids) if run.school_ids else None,
            run_label=f"run {run.pk}",
            run_key=run_key,
        )
        for p in rule_parts:
            c = counts[p.district_id]
            p.new_count, p.still_open_count, p.cleared_count = c.new, c.still_open, c.cleared
    now = timezone.now()
    for p in todo:
        p.state, p.error, p.finished_at, p.attempts = RunState.DONE, "", now, p.attempts + 1
    done, total = _record_parts_done(run.pk, todo, now, add_to_run=not was_failed)
    if was_failed or done >= total:
        # failed parts were counted as finished already; the last parts recompute everything from the parts
        run_refresh(run_id=run.pk)
    return parts


def _record_parts_done(run_id: int, parts: list[ComplianceRunPart], now, *, add_to_run: bool) -> tuple[int, int]:
    """Mark parts done with their counts and add them to the run's progress and sums; returns the run's
    ``(parts_done, parts_total)``. One statement on PostgreSQL (the counts as arrays).

    Each part turns done exactly once (under its lock, in this transaction), so
    adding its counts to the run equals the sum over the parts.
    """
    sums = {"parts_done": len(parts), "new_count": sum(p.new_count for p in parts),
            "still_open_count": sum(p.still_open_count for p in parts),
            "cleared_count": sum(p.cleared_count for p in parts)}
    if not add_to_run:
        sums = dict.fromkeys(sums, 0)
    if connection.vendor == "postgresql":
        q = connection.ops.quote_name
        part_meta, run_meta = ComplianceRunPart._meta, ComplianceRun._meta
        p = {name: q(part_meta.get_field(name).column) for name in (
            "id", "state", "error", "finished_at", "attempts", "new_count", "still_open_count", "cleared_count")}
        r = {name: q(run_meta.get_field(name).column) for name in (
            "id", "state", "parts_done", "parts_total", "new_count", "still_open_count", "cleared_count")}
        with connection.cursor() as cur:
            cur.execute(
                f"""
                WITH parts AS (
                    UPDATE {q(part_meta.db_table)} AS p SET {p['state']} = %s, {p['error']} = '',
                        {p['finished_at']} = %s, {p['attempts']} = p.{p['attempts']} + 1, {p['new_count']} = v.n,
                        {p['still_open_count']} = v.s, {p['cleared_count']} = v.c
                    FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::int[]) AS v(id, n, s, c)
                    WHERE p.{p['id']} = v.id
                )
                UPDATE {q(run_meta.db_table)} SET {r['state']} = %s, {r['parts_done']} = {r['parts_done']} + %s,
                    {r['new_count']} = {r['new_count']} + %s, {r['still_open_count']} = {r['still_open_count']} + %s,
                    {r['cleared_count']} = {r['cleared_count']} + %s
                WHERE {r['id']} = %s RETURNING {r['parts_done']}, {r['parts_total']}
                """,
                [RunState.DONE, now, [x.pk for x in parts], [x.new_count for x in parts],
                 [x.still_open_count for x in parts], [x.cleared_count for x in parts], RunState.RUNNING,
                 sums["parts_done"], sums["new_count"], sums["still_open_count"], sums["cleared_count"], run_id],
            )
            return cur.fetchone()
    by_counts: dict[tuple[int, int, int], list[int]] = {}
    for x in parts:
        by_counts.setdefault((x.new_count, x.still_open_count, x.cleared_count), []).append(x.pk)
    for (new, still_open, cleared), ids in by_counts.items():
        ComplianceRunPart.objects.filter(pk__in=ids).update(
            state=RunState.DONE, error="", finished_at=now, attempts=F("attempts") + 1, new_count=new,
            still_open_count=still_open, cleared_count=cleared,
        )
    ComplianceRun.objects.filter(pk=run_id).update(
        state=RunState.RUNNING, **{name: F(name) + value for name, value in sums.items()})
    return ComplianceRun.objects.filter(pk=run_id).values_list("parts_done", "parts_total").get()


def _serialize_and_relax(pairs: list[tuple[str, int]]) -> None:
    """On PostgreSQL, in one statement: wait for any other run's parts of the same rules and districts
    (``pairs``), commit without waiting for the disk flush, and run the rules' queries without JIT compilation.

    The locks (transaction-scoped, taken in one order) make two overlapping runs
    reconcile the same findings one after the other, so neither counts or
    records the other's finding as its own. ``synchronous_commit = off``: a
    part's writes are derived data; a database crash can lose at most the last
    moment of committed parts, which then count as unfinished and
    ``runs_resume_stalled`` sends again. It never corrupts anything, and it
    saves a disk flush per part. ``jit = off``: a rule's statement is costed
    high (a correlated subquery per item) yet runs in a fraction of a second;
    compiling it would take longer than running it.
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted(
        int.from_bytes(hashlib.blake2b(f"sweep|{rule_id}|{d}".encode(), digest_size=8).digest(), "big", signed=True)
        for rule_id, d in pairs
    )
    with connection.cursor() as cur:
        cur.execute(
            "SELECT set_config('synchronous_commit', 'off', true), set_config('jit', 'off', true), "
            "(SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest(%s::bigint[]) AS k ORDER BY 1) AS keys)",
            [keys],
        )


def runs_resume_stalled(*, older_than: dt.timedelta = dt.timedelta(minutes=15)) -> list[int]:
    """Send again the unfinished parts of runs that made no progress for a while.

    Covers what late acknowledgement cannot: a message lost with its broker, a
    part whose commit a database crash undid, or a killed worker's tasks still
    waiting for the broker's visibility timeout. A part sent twice runs once.
    """
    cutoff = timezone.now() - older_than
    recent = ComplianceRunPart.objects.filter(run=OuterRef("pk"), finished_at__gte=cutoff)
    stalled = list(
        ComplianceRun.objects.filter(state__in=[RunState.QUEUED, RunState.RUNNING], created_at__lt=cutoff)
        .exclude(Exists(recent)).values_list("id", flat=True)
    )
    for run_id in stalled:
        logger.warning("compliance run %s made no progress since %s: sending its unfinished parts again", run_id,
                       cutoff)
        run_dispatch_parts(run_id=run_id)
    return stalled


def _part_failed(part_id: int, message: str) -> None:
    with transaction.atomic():
        part = ComplianceRunPart.objects.select_for_update().get(pk=part_id)
        if part.state == RunState.DONE:
            return
        logger.warning("compliance part %s (%s %s) failed: %s", part.pk, part.rule_id, part.district_id, message)
        ComplianceRunPart.objects.filter(pk=part_id).update(
            state=RunState.FAILED, error=message[:2000], finished_at=timezone.now(), attempts=F("attempts") + 1
        )
        run_refresh(run_id=part.run_id)


def run_refresh(*, run_id: int) -> ComplianceRun:
    """Recompute a run's progress and counts from its parts (sums, never increments).

    The run row is locked first, so two parts finishing at once are summed one
    after the other and the later sum (which sees both) is the one that stays.
    """
    with transaction.atomic(savepoint=False):
        run = ComplianceRun.objects.select_for_update().get(pk=run_id)
        parts = ComplianceRunPart.objects.filter(run_id=run_id)
        totals = parts.aggregate(
            done=Count("id", filter=Q(state__in=[RunState.DONE, RunState.FAILED])),
            n=Sum("new_count", filter=Q(state=RunState.DONE)),
            s=Sum("still_open_count", filter=Q(state=RunState.DONE)),
            c=Sum("cleared_count", filter=Q(state=RunState.DONE)),
        )
        failed = list(parts.filter(state=RunState.FAILED).values("rule_id", "district__code", "error"))
        done = totals["done"]
        run.parts_done = done
        run.new_count = totals["n"] or 0
        run.still_open_count = totals["s"] or 0
        run.cleared_count = totals["c"] or 0
        run.errors = [{"rule": f["rule_id"], "district": f["district__code"], "error": f["error"]} for f in failed]
        if done >= run.parts_total:
            run.state = RunState.FAILED if failed else RunState.DONE
            run.finished_at = timezone.now()
            run_finished.send(sender=ComplianceRun, run=run)
        elif done or run.state == RunState.RUNNING:
            run.state = RunState.RUNNING
            run.finished_at = None
        run.started_at = run.started_at or timezone.now()
        run.save(update_fields=[
            "parts_done", "new_count", "still_open_count", "cleared_count", "errors", "state", "started_at",
            "finished_at"])
    return run


def run_execute_sync(*, run: ComplianceRun, progress=None) -> ComplianceRun:
    """Execute every unfinished part in this process (``manage.py sweep --sync``, tests, eager mode), batched
    as the tasks are. A part that fails is recorded on the run and the others still run.
    ``progress(n)`` is called with the number of parts just finished.
    """
    for part_ids in _part_batches(run.pk):
        try:
            run_parts_execute(part_ids=part_ids)
        except Exception as exc:  # noqa: BLE001 - recorded on the parts by run_parts_execute
            logger.error("compliance parts %s failed: %s", part_ids, exc)
        if progress:
            progress(len(part_ids))
    run_refresh(run_id=run.pk)
    run.refresh_from_db()
    return run


#: a task of a short run carries the parts of about this many rules (one transaction, the bookkeeping paid once) ...
RULES_PER_TASK = 6
#: ... but a run is spread over at least this many tasks, so the workers' processes share it
MIN_TASKS = 4
#: a run over more days than this sends one task per rule: its rules take long enough that the bookkeeping does not
#: matter, and the progress bar moves rule by rule
BATCHED_RUN_DAYS = 7


def _part_batches(run_id: int) -> list[list[int]]:
    """The run's unfinished parts in batches, one task each: all the parts of a rule in one batch, the rules
    dealt round-robin (in ID order, so the heavy homework rules, adjacent in that order, land in different
    batches); a long run's rules one per batch."""
    by_rule: dict[str, list[int]] = {}
    rows = ComplianceRunPart.objects.filter(run_id=run_id).exclude(state=RunState.DONE).order_by("rule_id", "pk")
    for part_id, rule_id in rows.values_list("id", "rule_id"):
        by_rule.setdefault(rule_id, []).append(part_id)
    date_from, date_to = ComplianceRun.objects.filter(pk=run_id).values_list("date_from", "date_to").get()
    if (date_to - date_from).days >= BATCHED_RUN_DAYS:
        return list(by_rule.values())
    count = min(len(by_rule), max(MIN_TASKS, -(-len(by_rule) // RULES_PER_TASK)))
    batches: list[list[int]] = [[] for _ in range(count)]
    for i, part_ids in enumerate(by_rule.values()):
        batches[i % count].extend(part_ids)
    return batches


# -- findings ---------------------------------------------------------------


def finding_set_status(*, finding: Finding, status: str, actor, reason: str, request=None) -> Finding:
    """A staff member changes a finding's status; every change is recorded with who, when and why."""
    if not reason or not reason.strip():
        raise ServiceError("请填写变更原因 / a reason is required", fields={"reason": ["必填"]})
    allowed = ALLOWED_TRANSITIONS.get(finding.status, set())
    if status not in allowed:
        raise ServiceError(
            f"不能从“{finding.get_status_display()}”改为“{FindingStatus(status).label if status in FindingStatus.values else status}”",
            code="illegal_transition",
            fields={"status": [f"允许的状态：{', '.join(sorted(allowed)) or '无'}"]},
        )
    now = timezone.now()
    with transaction.atomic():
        updated = Finding.objects.filter(pk=finding.pk, status=finding.status).update(
            status=status, status_changed_at=now
        )
        if not updated:
            raise ConflictError("该问题的状态已被他人修改，请刷新后重试 / changed by someone else, reload and retry")
        FindingEvent.objects.create(
            finding=finding, from_status=finding.status, to_status=status, actor=actor, at=now, reason=reason.strip()
        )
        audit_record(actor=actor, action="status_change", obj=finding, request=request,
                     detail={"from": finding.status, "to": status, "reason": reason.strip()})
    finding.refresh_from_db()
    return finding


def finding_create_case(
    *,
    rule_id: str,
    district,
    actor,
    evidence: dict,
    summary: str = "",
    date: dt.date | None = None,
    school=None,
    school_class=None,
    teacher=None,
    institution=None,
    key: str = "",
    request=None,
) -> Finding:
    """Record a ``case`` finding (an upheld complaint, an inspection) under a registered rule ID."""
    if not registry.is_registered(rule_id):
        raise ServiceError(f"未知的规则编号：{rule_id}", fields={"rule_id": ["未登记的规则"]})
    v = registry.Violation(
        evidence=evidence,
        date=date,
        school_id=getattr(school, "pk", None),
        school_class_id=getattr(school_class, "pk", None),
        teacher_id=getattr(teacher, "pk", None),
        institution_id=getattr(institution, "pk", None),
        key=key or f"case:{uuid.uuid4().hex}",
    )
    now = timezone.now()
    with transaction.atomic():
        finding = Finding.objects.create(
            rule_id=rule_id,
            kind=RuleKind.CASE,
            district=district,
            period_start=date,
            evidence=evidence,
            summary=summary[:300],
            fingerprint=v.fingerprint(rule_id),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            first_seen=now,
            last_seen=now,
            status_changed_at=now,
            **_subject_ids(v),
        )
        FindingEvent.objects.create(
            finding=finding, from_status="", to_status=FindingStatus.OPEN,
            actor=actor if getattr(actor, "is_authenticated", False) else None, at=now,
            reason=summary or "人工立案 / recorded by staff",
        )
        audit_record(actor=actor, action="create", obj=finding, request=request, detail={
            "rule_id": rule_id, "kind": RuleKind.CASE, "summary": finding.summary, "date": date,
            **{name: value for name, value in _subject_ids(v).items() if value is not None},
        })
    return finding


# -- enqueueing ---------------------------------------------------------------


def _celery_eager() -> bool:
    from shuangjian.celery import app

    return bool(app.conf.task_always_eager)


#: what a run records when its start could not be handed to the broker (``runs_send_unsent`` sends it again)
UNSENT = "任务队列暂不可用，恢复后一分钟内自动发送 / the task queue is unreachable: sent within a minute of its return"


def _send_run(run_id: int) -> bool:
    """Hand a run's start to the broker; if the broker is unreachable, record that on the run (still queued) and
    return False: the every-minute ``runs_send_unsent`` sends it again."""
    from . import tasks

    try:
        tasks.run_start.delay(run_id)
    except Exception as exc:  # noqa: BLE001 - a broker outage is recorded on the run, not raised at the user
        logger.error("compliance run %s could not be sent to the broker: %s", run_id, exc)
        ComplianceRun.objects.filter(pk=run_id, state=RunState.QUEUED).update(
            errors=[{"rule": "", "district": "", "error": f"{UNSENT} ({exc})"}]
        )
        return False
    return True


def run_enqueue(*, run: ComplianceRun) -> None:
    """Send the run to the workers once the current transaction commits (in eager mode: execute it then)."""
    from . import tasks

    run_id = run.pk

    def send():
        if _celery_eager():
            try:
                tasks.run_start.apply(args=[run_id], throw=True)
            except Exception as exc:  # noqa: BLE001 - already recorded on the failed part
                logger.error("compliance run %s failed in-process: %s", run_id, exc)
            return
        _send_run(run_id)

    transaction.on_commit(send)


def runs_send_unsent() -> list[int]:
    """Send the runs whose start the broker did not take (it was down when they were created) again; every
    minute by beat, so such a run starts within a minute of the broker's return. Returns the runs sent.

    A queued run carries errors only when its start could not be sent (a part's error moves the run on to
    running or failed). The runs are claimed (``SKIP LOCKED``) and their error cleared in one transaction, so two
    beat ticks never send the same run twice; a send that fails again records the error again.
    """
    with transaction.atomic():
        ids = list(
            ComplianceRun.objects.select_for_update(skip_locked=True).filter(state=RunState.QUEUED)
            .exclude(errors=[]).order_by("pk").values_list("pk", flat=True)
        )
        ComplianceRun.objects.filter(pk__in=ids).update(errors=[])
    return [run_id for run_id in ids if _send_run(run_id)]


def run_start(*, date_from: dt.date, date_to: dt.date, district_codes=None, rule_ids=None, school_ids=None,
              trigger: str = RunTrigger.API, started_by=None) -> ComplianceRun:
    """Create a run and send it to the workers once this transaction commits; returns at once."""
    with transaction.atomic():
        run = run_create(date_from=date_from, date_to=date_to, district_codes=district_codes, rule_ids=rule_ids,
                         school_ids=school_ids, trigger=trigger, started_by=started_by)
        run_enqueue(run=run)
    run.refresh_from_db()  # in eager mode it has run by now
    return run


def run_dispatch_parts(*, run_id: int) -> int:
    """Send the run's unfinished parts as tasks, a few rules' parts each (a redelivered start re-sends; a part
    runs at most once to completion)."""
    from . import tasks

    groups = _part_batches(run_id)
    if not groups:
        run_refresh(run_id=run_id)
        return 0
    ComplianceRun.objects.filter(pk=run_id, state=RunState.QUEUED).update(
        state=RunState.RUNNING, started_at=timezone.now()
    )
    for part_ids in groups:
        tasks.run_parts.delay(part_ids)
    return len(groups)


# -- filing-triggered sweeps ------------------------------------------------

DEBOUNCE_KEY = "compliance:sweep-pending-scheduled"


def _debounce_key() -> str:
    """The key of this database: deployments (or parallel test runs) sharing a Redis must not hold back each
    other's sweeps, since a sweep scheduled for one database never processes another's requests."""
    from django.db import connection

    return f"{DEBOUNCE_KEY}:{connection.settings_dict['NAME']}"


def _debounce_backend():
    """A shared store for the debounce key: Redis when there is one, else the Django cache."""
    url = settings.CELERY_BROKER_URL or ""
    if url.startswith(("redis://", "rediss://")) and not getattr(settings, "REDIS_URL", ""):
        import redis

        timeout = settings.REDIS_SOCKET_TIMEOUT
        return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    return None


def _debounce_claim(seconds: int) -> bool:
    """True when no debounced sweep is scheduled yet (and now one is)."""
    client = _debounce_backend()
    if client is not None:
        return bool(client.set(_debounce_key(), "1", nx=True, ex=max(seconds, 1) + 5))
    from django.core.cache import cache

    return cache.add(_debounce_key(), "1", timeout=max(seconds, 1) + 5)


def _debounce_release() -> None:
    try:
        client = _debounce_backend()
        if client is not None:
            client.delete(_debounce_key())
        else:
            from django.core.cache import cache

            cache.delete(_debounce_key())
    except Exception as exc:  # noqa: BLE001 - the key also expires by itself
        logger.warning("could not release the sweep debounce key: %s", exc)


def sweep_request(*, school_ids, dates, reason: str = "filing") -> None:
    """Ask for a sweep of these schools and dates; call inside the filing's transaction.

    The request is stored durably (one pending row per school and date) and a
    single debounced task is sent after commit, however many filings arrive in
    the window. If the broker cannot be reached the filing still succeeds: the
    rows stay pending and the every-minute beat entry picks them up.
    """
    school_ids = sorted({int(s) for s in school_ids})
    dates = sorted(set(dates))
    if not school_ids or not dates:
        return
    now = timezone.now()
    SweepRequest.objects.bulk_create(
        [SweepRequest(school_id=s, date=d, reason=reason[:30], created_at=now) for s in school_ids for d in dates],
        ignore_conflicts=True,
        batch_size=BATCH,
    )
    transaction.on_commit(_schedule_pending_sweep, robust=True)


def _schedule_pending_sweep() -> None:
    from . import tasks

    if _celery_eager():
        tasks.sweep_pending_requests.apply()
        return
    seconds = settings.SWEEP_DEBOUNCE_SECONDS
    try:
        if not _debounce_claim(seconds):
            return  # a sweep is already scheduled within the window; it will see these rows
    except Exception as exc:  # noqa: BLE001 - no debounce store: send anyway, the task is idempotent
        logger.warning("sweep debounce store unavailable: %s", exc)
    try:
        tasks.sweep_pending_requests.apply_async(countdown=seconds)
    except Exception as exc:  # noqa: BLE001 - the filing must not fail; the beat entry retries
        logger.error("could not schedule the filing sweep (requests stay pending): %s", exc)
        _debounce_release()


def sweep_pending_process(*, limit: int = 50000) -> list[ComplianceRun]:
    """Turn pending sweep requests into runs, one per district, and mark them processed.

    Rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` where the database
    supports it, so two workers never turn the same request into two runs.
    """
    _debounce_release()  # filings committed from now on schedule a new sweep
    runs = []
    with transaction.atomic():
        pending = SweepRequest.objects.filter(processed_at__isnull=True).order_by("id")
        pending = pending.select_for_update(skip_locked=True, of=("self",))
        rows = list(pending.values_list("id", "school_id", "school__district__code", "date")[:limit])
        if not rows:
            return []
        by_district: dict[str, list] = {}
        for row in rows:
            by_district.setdefault(row[2], []).append(row)
        # a run covers at most MAX_RUN_DAYS: split a district's requests into date windows
        groups = []
        for code, items in sorted(by_district.items()):
            items.sort(key=lambda r: r[3])
            window = [items[0]]
            for r in items[1:]:
                if (r[3] - window[0][3]).days > MAX_RUN_DAYS:
                    groups.append((code, window))
                    window = []
                window.append(r)
            groups.append((code, window))
        now = timezone.now()
        for code, items in groups:
            run = run_create(
                date_from=min(r[3] for r in items),
                date_to=max(r[3] for r in items),
                district_codes=[code],
                school_ids=sorted({r[1] for r in items}),
                trigger=RunTrigger.FILING,
            )
            SweepRequest.objects.filter(pk__in=[r[0] for r in items]).update(processed_at=now, run=run)
            run_enqueue(run=run)
            runs.append(run)
    return runs


def sweep_pending_summary() -> dict:
    """How many requests wait, and since when (for the runs page)."""
    return SweepRequest.objects.filter(processed_at__isnull=True).aggregate(
        oldest=Min("created_at"), newest=Max("created_at"), n=Count("id")
    )


def run_nightly(*, day: dt.date) -> ComplianceRun | None:
    """The nightly sweep of one day, in the districts where it was a school day.

    A day that is a school day nowhere creates no run. A calendar gap (a year the
    calendar does not know) is recorded as a failed run naming the problem, so
    staff see it rather than a silent skip.
    """
    from schools.calendar import CalendarGap, SchoolCalendar

    codes, gaps = [], []
    for district in District.objects.order_by("code"):
        try:
            if SchoolCalendar(district).day(day).is_school_day:
                codes.append(district.code)
        except CalendarGap as exc:
            gaps.append({"rule": "", "district": district.code, "error": exc.message})
    gap_run = None
    if gaps:
        now = timezone.now()
        gap_run = ComplianceRun.objects.create(
            trigger=RunTrigger.SCHEDULE, date_from=day, date_to=day, district_codes=[g["district"] for g in gaps],
            scope_district=District.objects.get(code=gaps[0]["district"]) if len(gaps) == 1 else None,
            state=RunState.FAILED, errors=gaps, started_at=now, finished_at=now,
        )
    if not codes:
        if not gaps:
            logger.info("nightly sweep: %s is not a school day anywhere; nothing to do", day)
        return gap_run
    with transaction.atomic():
        run = run_create(date_from=day, date_to=day, district_codes=codes, trigger=RunTrigger.SCHEDULE)
        run_enqueue(run=run)
    return run


# -- parameters ---------------------------------------------------------------


def parameter_check(*, key: str, value, source: str) -> None:
    """Why a new value of ``key`` would be refused (a ``ServiceError``), checked before anything is written.

    The key must be one a rule reads or one that already has values, and the
    value must have the same JSON type as the values before it.
    """
    known = {p for r in registry.all_rules() for p in r.params}
    previous = RuleParameter.objects.filter(key=key).order_by("-effective_from").first()
    if previous is None and key not in known:
        raise ServiceError(f"未知的参数：{key}", fields={"key": ["没有规则使用该参数"]})
    if not source or not source.strip():
        raise ServiceError("请填写依据 / the source is required", fields={"source": ["必填"]})
    if previous is not None and _json_kind(previous.value) != _json_kind(value):
        raise ServiceError(
            f"取值类型应与原值一致（{_json_kind(previous.value)}）", fields={"value": [f"原值为 {previous.value!r}"]}
        )


def parameter_create(
    *, key: str, value, effective_from: dt.date, source: str, actor=None, request=None
) -> RuleParameter:
    """City staff set a parameter's new value from a date: a new dated row; earlier rows stay as history.

    Checked by ``parameter_check``; the new row and its audit event are written together.
    """
    from django.db import IntegrityError

    parameter_check(key=key, value=value, source=source)
    try:
        with transaction.atomic():
            row = RuleParameter.objects.create(
                key=key, value=value, effective_from=effective_from, source=source.strip(),
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            previous = RuleParameter.objects.filter(key=key, effective_from__lt=effective_from).order_by(
                "-effective_from").first()
            audit_record(actor=actor, action="create", obj=row, request=request, detail={
                "key": key, "value": value, "effective_from": effective_from, "source": row.source,
                "previous_value": previous.value if previous is not None else None,
            })
            return row
    except IntegrityError as exc:
        raise ConflictError(
            "该参数在这一生效日期已有取值 / this parameter already has a value from that date",
            fields={"effective_from": ["已有取值"]},
        ) from exc


def _json_kind(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "null"
