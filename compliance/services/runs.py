"""Runs: a sweep's record and its rule × district parts, executing parts, and the run's progress and counts.

A task executes the parts of a few rules in one transaction, each rule running
once over all its parts' districts (``reconcile.sweep_rule_districts``). A part
that is executed again (a worker killed, a task redelivered) simply repeats
this; the run's counts are the sum of its parts, never increments. Sending runs
and parts to the workers is ``dispatch``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from schools.models import District
from shuangjian.errors import ServiceError

from .. import registry, sql
from ..choices import RunState, RunTrigger
from ..models import ComplianceRun, ComplianceRunPart
from ..signals import run_finished
from . import reconcile

logger = logging.getLogger(__name__)

MAX_RUN_DAYS = 400
#: the ``code`` of a run's error that a year is missing from the holiday calendar
CALENDAR_GAP = "calendar_gap"
SCHOOL_SUBJECTS = ("class", "school", "teacher")
#: errors a task retries (the database went away); anything else fails the part at once
RETRYABLE = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class PlannedPart:
    """One rule in one district over its own days: what ``run_create_parts`` records."""

    rule_id: str
    district: District
    date_from: dt.date
    date_to: dt.date


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
    """Record a run of some rules over some districts and one date range. The caller enqueues it (after commit)."""
    if date_to < date_from:
        raise ServiceError(
            "结束日期不能早于开始日期 / date_to is before date_from", fields={"date_to": ["早于开始日期"]}
        )
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
    district_qs = District.objects.all()
    if district_codes:
        district_qs = district_qs.filter(code__in=district_codes)
        missing = sorted(set(district_codes) - set(district_qs.values_list("code", flat=True)))
        if missing:
            raise ServiceError(f"未知的区代码：{', '.join(missing)}", fields={"district_codes": missing})
    districts = list(district_qs)
    return run_create_parts(
        parts=[PlannedPart(r.id, d, date_from, date_to) for d in districts for r in rules],
        trigger=trigger,
        started_by=started_by,
        rule_ids=[r.id for r in rules] if rule_ids else [],
        school_ids=school_ids,
        districts=districts,
        span=(date_from, date_to),
    )


def run_create_parts(
    *,
    parts: list[PlannedPart],
    trigger: str,
    started_by=None,
    rule_ids: list[str] | None = None,
    school_ids: list[int] | None = None,
    districts: list | None = None,
    night: dt.date | None = None,
    calendar_gaps: list[dict] | None = None,
    span: tuple[dt.date, dt.date] | None = None,
) -> ComplianceRun:
    """Record a run and its parts, each rule × district over its own days; the run's range (``span``) spans them
    all. Parts over exactly the run's days do not store them."""
    if districts is None:
        districts = list({p.district.pk: p.district for p in parts}.values())
        districts += [d for d in District.objects.filter(code__in={g["district"] for g in calendar_gaps or ()})]
        districts = list({d.pk: d for d in districts}.values())
    districts.sort(key=lambda d: d.code)
    if span is None:
        fallback = [night - dt.timedelta(days=1)] if night else []
        starts, ends = [p.date_from for p in parts] or fallback, [p.date_to for p in parts] or fallback
        if not starts:
            raise ValueError("a run without parts needs its dates")
        span = (min(starts), max(ends))
    with transaction.atomic():
        run = ComplianceRun.objects.create(
            trigger=trigger,
            started_by=started_by if getattr(started_by, "is_authenticated", False) else None,
            date_from=span[0],
            date_to=span[1],
            district_codes=[d.code for d in districts],
            scope_district=districts[0] if len(districts) == 1 else None,
            rule_ids=rule_ids or [],
            school_ids=sorted(school_ids or []),
            parts_total=len(parts),
            night=night,
            calendar_gaps=calendar_gaps or [],
        )
        ComplianceRunPart.objects.bulk_create(
            ComplianceRunPart(
                run=run,
                district=p.district,
                rule_id=p.rule_id,
                date_from=None if span == (p.date_from, p.date_to) else p.date_from,
                date_to=None if span == (p.date_from, p.date_to) else p.date_to,
            )
            for p in parts
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
        _part_failed(part_id, exc.message, year=getattr(exc, "year", None))
    except Exception as exc:  # recorded on the run, then re-raised for the task's retry
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
        ComplianceRunPart.objects.select_for_update(of=("self",))
        .select_related("run", "district")
        .filter(pk__in=part_ids)
        .order_by("pk")
    )
    todo = [p for p in parts if p.state != RunState.DONE]
    if not todo:
        return parts
    if len({p.run_id for p in todo}) > 1:
        raise ValueError("parts executed together must belong to one run")
    run = todo[0].run
    # each rule once over the districts that share its days (all of them, but for rules on their own dates)
    by_rule: dict[tuple[str, dt.date, dt.date], list[ComplianceRunPart]] = {}
    for p in todo:
        by_rule.setdefault((p.rule_id, p.date_from or run.date_from, p.date_to or run.date_to), []).append(p)
    _serialize_and_relax([(p.rule_id, p.district_id) for p in todo])
    was_failed = any(p.state == RunState.FAILED for p in todo)
    run_key = (run.pk, run.created_at.isoformat())
    for (rule_id, date_from, date_to), rule_parts in by_rule.items():
        counts = reconcile.sweep_rule_districts(
            rule=registry.get_rule(rule_id),
            districts=[p.district for p in rule_parts],
            date_from=date_from,
            date_to=date_to,
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
    """Mark parts done with their counts and add them to the run's progress and sums, in one statement
    (``sql.PARTS_DONE``); returns the run's ``(parts_done, parts_total)``.

    Each part turns done exactly once (under its lock, in this transaction), so
    adding its counts to the run equals the sum over the parts.
    """
    add = {
        "add_done": len(parts),
        "add_new": sum(p.new_count for p in parts),
        "add_still_open": sum(p.still_open_count for p in parts),
        "add_cleared": sum(p.cleared_count for p in parts),
    }
    if not add_to_run:
        add = dict.fromkeys(add, 0)
    with connection.cursor() as cur:
        cur.execute(
            sql.PARTS_DONE,
            {
                "done": RunState.DONE,
                "running": RunState.RUNNING,
                "now": now,
                "run": run_id,
                "ids": [p.pk for p in parts],
                "new": [p.new_count for p in parts],
                "still_open": [p.still_open_count for p in parts],
                "cleared": [p.cleared_count for p in parts],
                **add,
            },
        )
        done, total = cur.fetchone()
    return done, total


def _serialize_and_relax(pairs: list[tuple[str, int]]) -> None:
    """In one statement (``sql.PARTS_LOCK_AND_RELAX``): wait for any other run's parts of the same rules and
    districts (``pairs``), commit without waiting for the disk flush, and run the rules' queries without JIT
    compilation.

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
    keys = sorted(
        int.from_bytes(hashlib.blake2b(f"sweep|{rule_id}|{d}".encode(), digest_size=8).digest(), "big", signed=True)
        for rule_id, d in pairs
    )
    with connection.cursor() as cur:
        cur.execute(sql.PARTS_LOCK_AND_RELAX, {"keys": keys})


def _part_failed(part_id: int, message: str, *, year: int | None = None) -> None:
    with transaction.atomic():
        part = ComplianceRunPart.objects.select_for_update().get(pk=part_id)
        if part.state == RunState.DONE:
            return
        logger.warning("compliance part %s (%s %s) failed: %s", part.pk, part.rule_id, part.district_id, message)
        ComplianceRunPart.objects.filter(pk=part_id).update(
            state=RunState.FAILED,
            error=message[:2000],
            error_year=year,
            finished_at=timezone.now(),
            attempts=F("attempts") + 1,
        )
        run_refresh(run_id=part.run_id)


def run_errors(calendar_gaps: list[dict], failed_parts: list[dict]) -> list[dict]:
    """A run's errors as its page and the API show them: the calendar gaps it met (``code`` and ``year`` say
    which year city staff must enter), then the failed parts."""
    errors = [
        {"rule": "", "district": g["district"], "error": g["error"], "code": CALENDAR_GAP, "year": g["year"]}
        for g in calendar_gaps
    ]
    for f in failed_parts:
        entry = {"rule": f["rule_id"], "district": f["district__code"], "error": f["error"]}
        if f.get("error_year"):
            entry.update(code=CALENDAR_GAP, year=f["error_year"])
        errors.append(entry)
    return errors


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
        failed = list(parts.filter(state=RunState.FAILED).values("rule_id", "district__code", "error", "error_year"))
        done = totals["done"]
        run.parts_done = done
        run.new_count = totals["n"] or 0
        run.still_open_count = totals["s"] or 0
        run.cleared_count = totals["c"] or 0
        run.errors = run_errors(run.calendar_gaps, failed)
        if done >= run.parts_total:
            run.state = RunState.FAILED if run.errors else RunState.DONE
            run.finished_at = timezone.now()
            run_finished.send(sender=ComplianceRun, run=run)
        elif done or run.state == RunState.RUNNING:
            run.state = RunState.RUNNING
            run.finished_at = None
        run.started_at = run.started_at or timezone.now()
        run.save(
            update_fields=[
                "parts_done",
                "new_count",
                "still_open_count",
                "cleared_count",
                "errors",
                "state",
                "started_at",
                "finished_at",
            ]
        )
    return run


def run_execute_sync(*, run: ComplianceRun, progress=None) -> ComplianceRun:
    """Execute every unfinished part in this process (``manage.py sweep --sync``, tests, eager mode), batched
    as the tasks are. A part that fails is recorded on the run and the others still run.
    ``progress(n)`` is called with the number of parts just finished.
    """
    for part_ids in part_batches(run.pk):
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


def part_batches(run_id: int) -> list[list[int]]:
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
