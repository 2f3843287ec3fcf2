"""Celery tasks of the compliance engine: they take ids and call the services.

A run fans out into ``run_parts`` tasks, each carrying the rule × district
parts of a few rules (``services.part_batches``). Tasks acknowledge late and
are rejected back to the queue when a worker dies, so a killed worker loses
nothing; a part executed twice is safe (``services.run_parts_execute`` locks
the parts and skips those done), so nothing is doubled either.

This module imports the services; the services never import it (they send a
task by its name, ``services.dispatch.task``), so there is no import cycle.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from celery.schedules import crontab
from django.utils import timezone

from . import services

logger = logging.getLogger(__name__)

RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": services.RETRYABLE,
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="compliance.tasks.run_start", **RETRY)
def run_start(run_id: int) -> int:
    """Fan a run out into its parts."""
    return services.run_dispatch_parts(run_id=run_id)


@shared_task(name="compliance.tasks.run_parts", bind=True, **RETRY)
def run_parts(self, part_ids: list[int]) -> list[str]:
    """Execute some parts of a run: each of their rules once over its parts' districts."""
    final = self.request.retries >= (self.max_retries or 0)
    return [part.state for part in services.run_parts_execute(part_ids=part_ids, final_attempt=final)]


@shared_task(name="compliance.tasks.sweep_pending_requests", **RETRY)
def sweep_pending_requests() -> int:
    """Turn the pending filing sweep requests into runs (debounced after filings; every minute by beat)."""
    return len(services.sweep_pending_process())


@shared_task(name="compliance.tasks.sweep_nightly", **RETRY)
def sweep_nightly(night: str | None = None) -> int:
    """Tonight's run: every rule over the days that became checkable for it since the previous night
    (``services.schedule``); ``night`` is the date it runs on, today by default."""
    on = dt.date.fromisoformat(night) if night else timezone.localdate()
    return services.run_nightly(night=on).pk


@shared_task(name="compliance.tasks.runs_send_unsent", **RETRY)
def runs_send_unsent() -> int:
    """Send the runs created while the broker was down (every minute)."""
    return len(services.runs_send_unsent())


@shared_task(name="compliance.tasks.runs_resume_stalled", **RETRY)
def runs_resume_stalled() -> int:
    """Send again the unfinished parts of runs that made no progress for 15 minutes."""
    return len(services.runs_resume_stalled())


@shared_task(name="compliance.tasks.notices_remind", **RETRY)
def notices_remind() -> list[int]:
    """Remind the subjects of deadlines two working days away, and tell both sides of deadlines missed."""
    return list(services.notices_remind())


def beat_schedule() -> dict:
    return {
        "compliance-notice-reminders": {
            "task": "compliance.tasks.notices_remind",
            "schedule": crontab(hour=8, minute=0),
        },
        "compliance-nightly-sweep": {
            "task": "compliance.tasks.sweep_nightly",
            # CELERY_TIMEZONE is Asia/Shanghai
            "schedule": crontab(hour=2, minute=0),
        },
        "compliance-resume-stalled-runs": {
            "task": "compliance.tasks.runs_resume_stalled",
            "schedule": 300.0,
        },
        "compliance-send-unsent-runs": {
            "task": "compliance.tasks.runs_send_unsent",
            "schedule": 60.0,
        },
        "compliance-sweep-pending-requests": {
            "task": "compliance.tasks.sweep_pending_requests",
            "schedule": 60.0,
        },
    }
