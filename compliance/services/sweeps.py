"""What starts a sweep besides a user: filings (a debounced sweep of the schools and dates they changed) and the
nightly schedule (the previous school day everywhere).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from schools.models import District

from ..choices import RunState, RunTrigger
from ..models import ComplianceRun, SweepRequest
from .dispatch import SWEEP_PENDING_REQUESTS, celery_eager, run_enqueue, task
from .runs import MAX_RUN_DAYS, run_create

logger = logging.getLogger(__name__)

BATCH = 2000
DEBOUNCE_KEY = "compliance:sweep-pending-scheduled"


def _debounce_key() -> str:
    """The key of this database: deployments (or parallel test runs) sharing a Redis must not hold back each
    other's sweeps, since a sweep scheduled for one database never processes another's requests."""
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
    if celery_eager():
        task(SWEEP_PENDING_REQUESTS).apply()
        return
    seconds = settings.SWEEP_DEBOUNCE_SECONDS
    try:
        if not _debounce_claim(seconds):
            return  # a sweep is already scheduled within the window; it will see these rows
    except Exception as exc:  # noqa: BLE001 - no debounce store: send anyway, the task is idempotent
        logger.warning("sweep debounce store unavailable: %s", exc)
    try:
        task(SWEEP_PENDING_REQUESTS).apply_async(countdown=seconds)
    except Exception as exc:  # noqa: BLE001 - the filing must not fail; the beat entry retries
        logger.error("could not schedule the filing sweep (requests stay pending): %s", exc)
        _debounce_release()


def sweep_pending_process(*, limit: int = 50000) -> list[ComplianceRun]:
    """Turn pending sweep requests into runs, one per district, and mark them processed.

    Rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED``, so two workers
    never turn the same request into two runs.
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
            trigger=RunTrigger.SCHEDULE,
            date_from=day,
            date_to=day,
            district_codes=[g["district"] for g in gaps],
            scope_district=District.objects.get(code=gaps[0]["district"]) if len(gaps) == 1 else None,
            state=RunState.FAILED,
            errors=gaps,
            started_at=now,
            finished_at=now,
        )
    if not codes:
        if not gaps:
            logger.info("nightly sweep: %s is not a school day anywhere; nothing to do", day)
        return gap_run
    with transaction.atomic():
        run = run_create(date_from=day, date_to=day, district_codes=codes, trigger=RunTrigger.SCHEDULE)
        run_enqueue(run=run)
    return run
