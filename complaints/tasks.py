"""Celery tasks of the complaints app: deadline checks and the retention purge. They call the services."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.schedules import crontab
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)


RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "max_retries": 5,
}


@shared_task(name="complaints.tasks.check_deadlines", **RETRY)
def check_deadlines() -> int:
    """Compute the deadlines the calendar could not give before (a year entered since); each asks for a sweep of
    its complaint. The deadline rules themselves run on the nightly schedule, the night after a deadline passes,
    and after every change of a complaint's state."""
    from .models import Complaint
    from .services import complaint_fill_deadlines

    pending = Complaint.objects.filter(accept_due__isnull=True, state="received") | Complaint.objects.filter(
        resolve_due__isnull=True, state__in=["accepted", "investigating"]
    )
    return sum(complaint_fill_deadlines(complaint=c) for c in pending.select_related("district")[:500])


@shared_task(name="complaints.tasks.purge_personal_data", **RETRY)
def purge_personal_data() -> int:
    """Erase the personal data of complaints closed longer than the retention period."""
    from .services import complaints_purge_personal_data

    return complaints_purge_personal_data()


def beat_schedule() -> dict:
    return {
        "complaints-check-deadlines": {"task": "complaints.tasks.check_deadlines", "schedule": 300.0},
        "complaints-purge-personal-data": {
            "task": "complaints.tasks.purge_personal_data",
            "schedule": crontab(hour=3, minute=30),
        },
    }
