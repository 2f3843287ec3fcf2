"""What starts a sweep besides a user and the nightly schedule: writes to the data the rules read.

Every write asks, in its own transaction, for a sweep of what it changed (the outbox, ``SweepRequest``):

- a school's filing (homework, after-school reports and programmes): that school's rules over the dates filed
  (``sweep_request``);
- any other write a rule reads (the institutions' registry, their sessions, courses, enrolment filings,
  prepayments, disclosures, trainers, list status; complaints; the teacher roster): the rules that read the model
  (``Rule.reads``) over the dates the write concerns, however far in the past, in the district it belongs to, and
  in every district for the rules that match across districts (``sweep_after_write``).

One debounced task turns the pending requests into runs; a broker outage loses nothing (the every-minute beat
entry picks them up).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from schools.models import District

from .. import registry
from ..choices import RunTrigger
from ..models import ComplianceRun, SweepRequest
from .dispatch import SWEEP_PENDING_REQUESTS, celery_eager, run_enqueue, task
from .runs import MAX_RUN_DAYS, PlannedPart, run_create, run_create_parts

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


def _label(topic) -> str:
    return topic if isinstance(topic, str) else topic._meta.label_lower


def sweep_after_write(*, topic, district_ids, dates=(), reason: str = "change") -> None:
    """Ask for a sweep of the rules that read ``topic`` (a model, or its ``app_label.model``) over ``dates`` in
    these districts; call inside the write's transaction. No dates: the write changed registration data, which
    the undated rules judge as it stands. Rules that match across districts are asked for in every district."""
    label = _label(topic)
    rules = registry.rules_reading([label])
    if not rules:
        return
    districts = sorted({int(d) for d in district_ids if d is not None})
    if any(r.city_wide for r in rules):
        districts.append(None)
    day_list = sorted(set(dates)) or [None]
    now = timezone.now()
    SweepRequest.objects.bulk_create(
        [
            SweepRequest(district_id=d, topic=label, date=day, reason=reason[:30], created_at=now)
            for d in districts
            for day in day_list
        ],
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


#: dates further apart than this are swept by separate runs (a prepayment of last spring and one of this week)
CLUSTER_GAP_DAYS = 7


def _clusters(dates: list[dt.date]) -> list[list[dt.date]]:
    """Sorted dates in runs of close days, each within ``MAX_RUN_DAYS``."""
    groups: list[list[dt.date]] = []
    for day in sorted(set(dates)):
        if groups and (day - groups[-1][-1]).days <= CLUSTER_GAP_DAYS and (day - groups[-1][0]).days <= MAX_RUN_DAYS:
            groups[-1].append(day)
        else:
            groups.append([day])
    return groups


def sweep_pending_process(*, limit: int = 50000) -> list[ComplianceRun]:
    """Turn pending sweep requests into runs and mark them processed.

    Rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED``, so two workers
    never turn the same request into two runs.
    """
    _debounce_release()  # writes committed from now on schedule a new sweep
    with transaction.atomic():
        pending = SweepRequest.objects.filter(processed_at__isnull=True).order_by("id")
        pending = pending.select_for_update(skip_locked=True, of=("self",))
        rows = list(
            pending.values_list("id", "school_id", "school__district__code", "date", "district_id", "topic")[:limit]
        )
        if not rows:
            return []
        runs = _filing_runs([r for r in rows if r[1] is not None])
        runs += _change_runs([r for r in rows if r[1] is None])
    return runs


def _filing_runs(rows) -> list[ComplianceRun]:
    """Schools' filings: one run per district (and window of dates), limited to the schools that filed."""
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
    now, runs = timezone.now(), []
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


def _change_runs(rows) -> list[ComplianceRun]:
    """Registry writes: per district (or every district, for the rules matching across districts), the rules
    that read what changed, over the dates it concerns in runs of close days; the undated rules once, judging
    the registry as it stands today."""
    if not rows:
        return []
    by_district: dict[int | None, list] = defaultdict(list)
    for row in rows:
        by_district[row[4]].append(row)
    all_districts = list(District.objects.order_by("code"))
    districts_by_id = {d.pk: d for d in all_districts}
    today = timezone.localdate()
    now, runs = timezone.now(), []
    for district_id, items in by_district.items():
        every = district_id is None
        districts = all_districts if every else [districts_by_id[district_id]]
        dated_topics = {r[5] for r in items if r[3] is not None}
        rules = [r for r in registry.rules_reading({r[5] for r in items}) if r.city_wide or not every]
        dated = [r for r in rules if r.dated and set(r.reads) & dated_topics]
        undated = [r for r in rules if not r.dated]
        batches = [(cluster[0], cluster[-1]) for cluster in _clusters([r[3] for r in items if r[3] is not None])]
        planned: list[list[PlannedPart]] = [
            [PlannedPart(r.id, d, first, last) for r in dated for d in districts] for first, last in batches
        ]
        if not planned or batches[-1][1] != today:  # the registry as it stands is judged today, in a run of its own
            planned.append([])
        planned[-1] += [PlannedPart(r.id, d, today, today) for r in undated for d in districts]
        created = []
        for parts in planned:
            if parts:
                created.append(run_create_parts(parts=parts, trigger=RunTrigger.CHANGE, districts=list(districts)))
                run_enqueue(run=created[-1])
        SweepRequest.objects.filter(pk__in=[r[0] for r in items]).update(
            processed_at=now, run=created[-1] if created else None
        )
        runs += created
    return runs


def sweep_pending_summary() -> dict:
    """How many requests wait, and since when (for the runs page)."""
    return SweepRequest.objects.filter(processed_at__isnull=True).aggregate(
        oldest=Min("created_at"), newest=Max("created_at"), n=Count("id")
    )
