"""Celery tasks of the dashboards app: they take ids and dates, and call the refresh service."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from celery.schedules import crontab
from django.db import DatabaseError, OperationalError
from django.utils import timezone

from . import services

#: how far back the nightly refresh reaches: late filings and re-filings of the last weeks
NIGHTLY_DAYS = 35


@shared_task(
    name="dashboards.tasks.refresh_stats",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, DatabaseError),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
)
def refresh_stats(district_ids: list[int] | None, date_from: str, date_to: str) -> int:
    """Rebuild the summary rows of these districts (all when None) and dates; returns the class-days counted."""
    counts = services.stats_refresh(
        district_ids=district_ids, date_from=dt.date.fromisoformat(date_from), date_to=dt.date.fromisoformat(date_to)
    )
    return counts.class_days


@shared_task(
    name="dashboards.tasks.refresh_after_run",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, DatabaseError),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
)
def refresh_after_run(run_id: int) -> int:
    """After a compliance run (a sweep, or the debounced sweep of new filings): refresh its districts and dates.

    Sent when the run's finish commits (``dashboards.receivers``, on ``compliance.signals.run_finished``).
    """
    counts = services.stats_refresh_for_run(run_id=run_id)
    return counts.class_days


@shared_task(name="dashboards.tasks.refresh_recent")
def refresh_recent(days: int = NIGHTLY_DAYS) -> int:
    """Nightly: rebuild the last ``days`` days of every district (catches late filings the hooks missed)."""
    today = timezone.localdate()
    return refresh_stats(None, (today - dt.timedelta(days=days)).isoformat(), today.isoformat())


def beat_schedule() -> dict:
    return {
        "dashboards-nightly-refresh": {
            "task": "dashboards.tasks.refresh_recent",
            # after the compliance nightly sweep (02:00, CELERY_TIMEZONE is Asia/Shanghai)
            "schedule": crontab(hour=3, minute=30),
        },
    }
