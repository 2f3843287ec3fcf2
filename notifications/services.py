"""Writes of the notifications app: notifying users (in the caller's transaction), reading, the e-mail switch,
and delivering the e-mail exactly once.

Other apps call ``notify`` (or the helpers that name a scope: ``notify_district_staff``, ``notify_school``,
``notify_institution``, ``notify_city_staff``) inside the transaction of the action they report. The rows are
part of that transaction: a rolled-back action notifies nobody. The e-mails are sent by a Celery task after the
commit; a failed send never fails the action: the row stays ``pending`` or ``failed`` and the every-five-minutes
beat entry (``notification_emails_resend``) sends it once the mail server answers again.

This module never imports the tasks module (the tasks import it): a task is sent by its registered name.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import socket
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from accounts.choices import Role

from . import mail
from .choices import EmailState, NotificationKind
from .models import Notification, NotificationSetting
from .selectors import staff_of

logger = logging.getLogger(__name__)

SEND_EMAIL = "notifications.tasks.send_email"

#: the resend entry leaves a fresh pending mail to the task sent after commit for this long
RESEND_GRACE = dt.timedelta(minutes=1)
#: after this long an unsent mail is given up (it stays ``failed``; the notification itself is in the inbox)
RESEND_WITHIN = dt.timedelta(hours=48)
#: a connection error means the server is down: the rest of the batch waits for the next tick
SERVER_DOWN = (
    ConnectionError,
    TimeoutError,
    socket.gaierror,
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
)


def task(name: str):
    """The Celery task registered under ``name`` (``notifications.apps`` imports the tasks at start-up)."""
    from shuangjian.celery import app

    return app.tasks[name]


def _user_id(user) -> int:
    return int(getattr(user, "pk", user))


def _check(kind: str, url: str) -> None:
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if url and (not url.startswith("/") or url.startswith("//")):
        raise ValueError(f"a notification links inside the portal (a path such as /complaints/1/), not {url!r}")


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
) -> list[Notification]:
    """Notify users (users or their ids; inactive users and repeats are left out); call inside the caller's
    transaction. Returns the notifications created, one per recipient.

    With ``email`` (the default), the recipients who have an e-mail address and have not switched e-mail off
    get an e-mail, sent after the transaction commits; their rows are ``pending`` until it is sent. Two
    queries: the recipients with their address and switch, and the insert.
    """
    _check(kind, url)
    ids = sorted({_user_id(u) for u in recipients if u is not None})
    if not ids:
        return []
    from django.contrib.auth import get_user_model

    off = NotificationSetting.objects.filter(user=OuterRef("pk"), email_enabled=False)
    rows = (
        get_user_model()
        .objects.filter(pk__in=ids, is_active=True)
        .annotate(email_off=Exists(off))
        .values_list("pk", "email", "email_off")
        .order_by("pk")
    )
    now = timezone.now()
    notifications = [
        Notification(
            recipient_id=pk,
            kind=kind,
            title=title[:200],
            body=body,
            url=url,
            created_at=now,
            email_state=EmailState.PENDING if email and address and not email_off else EmailState.NOT_WANTED,
        )
        for pk, address, email_off in rows
    ]
    created = Notification.objects.bulk_create(notifications)
    pending = [n.pk for n in created if n.email_state == EmailState.PENDING]
    if pending:
        transaction.on_commit(lambda: _send_emails(pending), robust=True)
    return created


def _send_emails(notification_ids: list[int]) -> None:
    """After commit: one task per mail. A broker that cannot take it, or (in eager mode) a mail server that is
    down, leaves the row pending or failed for the resend entry; the action that notified is never failed."""
    for pk in notification_ids:
        try:
            task(SEND_EMAIL).delay(pk)
        except Exception as exc:  # noqa: BLE001 - recorded on the row; the beat entry sends it later
            logger.warning("notification %s: e-mail not sent now, the resend entry will retry: %s", pk, exc)


def notify_district_staff(district, *, kind: str, title: str, body: str = "", url: str = "", email: bool = True):
    """Notify every active bureau staff user of ``district`` (区教委工作人员)."""
    return notify(
        recipients=staff_of(role=Role.DISTRICT, district=district).values_list("pk", flat=True),
        kind=kind,
        title=title,
        body=body,
        url=url,
        email=email,
    )


def notify_school(school, *, kind: str, title: str, body: str = "", url: str = "", email: bool = True):
    """Notify every active staff user of ``school`` (学校工作人员)."""
    return notify(
        recipients=staff_of(role=Role.SCHOOL, school=school).values_list("pk", flat=True),
        kind=kind,
        title=title,
        body=body,
        url=url,
        email=email,
    )


def notify_institution(institution, *, kind: str, title: str, body: str = "", url: str = "", email: bool = True):
    """Notify every active staff user of ``institution`` (培训机构工作人员)."""
    return notify(
        recipients=staff_of(role=Role.INSTITUTION, institution=institution).values_list("pk", flat=True),
        kind=kind,
        title=title,
        body=body,
        url=url,
        email=email,
    )


def notify_city_staff(*, kind: str, title: str, body: str = "", url: str = "", email: bool = True):
    """Notify every active city bureau staff user (市教委工作人员)."""
    return notify(
        recipients=staff_of(role=Role.CITY).values_list("pk", flat=True),
        kind=kind,
        title=title,
        body=body,
        url=url,
        email=email,
    )


# -- reading ------------------------------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read (the first reading time is kept)."""
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, user) -> int:
    """Mark all of the user's unread notifications read; returns how many."""
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())


def notification_email_set(*, user, enabled: bool) -> NotificationSetting:
    """Switch the user's notification e-mail on or off. Switching off also withdraws the mails not yet sent."""
    with transaction.atomic():
        setting, _created = NotificationSetting.objects.update_or_create(user=user, defaults={"email_enabled": enabled})
        if not enabled:
            Notification.objects.filter(recipient=user, email_state__in=[EmailState.PENDING, EmailState.FAILED]).update(
                email_state=EmailState.NOT_WANTED
            )
    return setting


# -- e-mail delivery ----------------------------------------------------------------------------------------


def notification_email_send(*, notification_id: int) -> bool:
    """Send one notification's e-mail, once. True when it was sent now; False when there is nothing to send
    (already sent, not wanted, or another worker is sending it right now).

    The row is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and marked sent in the same transaction as the
    send, so the task, its retries and the resend entry never send it twice. A failure is recorded on the row
    (``failed``, the attempt counted, the server's answer kept) and then raised, for the task to retry.
    """
    error: Exception | None = None
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, email_state__in=[EmailState.PENDING, EmailState.FAILED])
            .first()
        )
        if notification is None:
            return False
        recipient = notification.recipient
        switched_off = NotificationSetting.objects.filter(user_id=recipient.pk, email_enabled=False).exists()
        if not recipient.email or not recipient.is_active or switched_off:
            Notification.objects.filter(pk=notification.pk).update(email_state=EmailState.NOT_WANTED)
            return False
        try:
            mail.notification_message(notification).send(fail_silently=False)
        except Exception as exc:  # noqa: BLE001 - recorded on the row, raised again below for the retry
            error = exc
            Notification.objects.filter(pk=notification.pk).update(
                email_state=EmailState.FAILED,
                email_attempts=F("email_attempts") + 1,
                email_error=f"{type(exc).__name__}: {exc}"[:300],
            )
        else:
            Notification.objects.filter(pk=notification.pk).update(
                email_state=EmailState.SENT,
                email_attempts=F("email_attempts") + 1,
                email_sent_at=timezone.now(),
                email_error="",
            )
    if error is not None:
        logger.warning("notification %s: e-mail failed: %s", notification_id, error)
        raise error
    return True


def notification_emails_resend(*, limit: int = 200, now: dt.datetime | None = None) -> int:
    """Send the mails not sent yet (every five minutes by beat): the failed ones, and the pending ones older than
    a minute (their task was lost with a broker, or never sent). Each is claimed on its own, so a mail the task
    is sending meanwhile is skipped, and none is sent twice. A connection error ends the batch (the server is
    down; the next tick tries again). Returns how many were sent."""
    now = now or timezone.now()
    due = list(
        Notification.objects.filter(
            Q(email_state=EmailState.FAILED) | Q(email_state=EmailState.PENDING, created_at__lt=now - RESEND_GRACE),
            created_at__gte=now - RESEND_WITHIN,
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in due:
        try:
            sent += notification_email_send(notification_id=pk)
        except SERVER_DOWN as exc:
            logger.warning("mail server unreachable, %d mails wait for the next tick: %s", len(due) - sent, exc)
            break
        except Exception:  # noqa: BLE001 - this mail's refusal is recorded on its row; the others go on
            continue
    return sent
