"""Celery tasks of the complaints app: deadline checks and the retention purge. They call the services."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from celery.schedules import crontab
from django.db import InterfaceError, OperationalError
from django.utils import timezone

logger = logging.getLogger(__name__)

CP_RULES = ["CP-18-ACCEPT", "CP-18-RESOLVE"]
LOOKBACK_DAYS = 60

RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "max_retries": 5,
}


@shared_task(name="complaints.tasks.check_deadlines", **RETRY)
def check_deadlines() -> int | None:
    """Fill deadlines the calendar could not give before, then sweep the CP rules over the last 60 days."""
    from compliance.services import run_create, run_enqueue

    from .models import Complaint
    from .services import complaint_fill_deadlines

    today = timezone.localdate()
    date_from = today - dt.timedelta(days=LOOKBACK_DAYS)
    pending = Complaint.objects.filter(accept_due__isnull=True, state="received") | Complaint.objects.filter(
        resolve_due__isnull=True, state__in=["accepted", "investigating"]
    )
    for complaint in pending.select_related("district")[:500]:
        complaint_fill_deadlines(complaint=complaint)
    codes = sorted(set(Complaint.objects.filter(received_on__gte=date_from).values_list("district__code", flat=True)))
    if not codes:
        return None
    run = run_create(date_from=date_from, date_to=today, district_codes=codes, rule_ids=CP_RULES, trigger="schedule")
    run_enqueue(run=run)
    return run.pk


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
