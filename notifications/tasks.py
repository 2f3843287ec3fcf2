"""Celery tasks of the notifications app: they take ids and call the services.

``send_email`` is sent after the commit of the action that notified (``services.notify``); it retries with
backoff while the mail server is unreachable or refuses for now. ``resend_emails`` (every five minutes) sends
what those retries did not. A mail is claimed and marked sent in one transaction, so it is sent once.
"""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    # SMTPException is an OSError; OSError also covers a refused or reset connection and a timeout
    "autoretry_for": (smtplib.SMTPException, OSError, OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="notifications.tasks.send_email", **RETRY)
def send_email(notification_id: int) -> bool:
    """Send one notification's e-mail (nothing when it is sent already or no longer wanted)."""
    return services.notification_email_send(notification_id=notification_id)


@shared_task(name="notifications.tasks.resend_emails", acks_late=True, reject_on_worker_lost=True)
def resend_emails() -> int:
    """Send the notification e-mails still pending or failed (every five minutes)."""
    return services.notification_emails_resend()


def beat_schedule() -> dict:
    return {
        "notifications-resend-emails": {"task": "notifications.tasks.resend_emails", "schedule": 300.0},
    }
