"""The notification e-mail (通知邮件): Chinese first, with an English line, as plain text and HTML.

The recipients are Beijing bureau, school and institution staff, so the mail is in Chinese whatever language
the sender's browser used; the English line names the kind of notification and the link for a reader who needs
it. The link is absolute (``PORTAL_BASE_URL`` plus the notification's path inside the portal).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Notification

SUBJECT_PREFIX = "【北京市“双减”监管平台】"


def absolute_url(path: str) -> str:
    base = settings.PORTAL_BASE_URL.rstrip("/")
    return f"{base}{path or '/'}"


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    """The e-mail of one notification, addressed to its recipient."""
    with translation.override("en"):
        kind_en = str(notification.get_kind_display())
    with translation.override("zh-hans"):
        kind_zh = str(notification.get_kind_display())
    context = {
        "notification": notification,
        "kind_zh": kind_zh,
        "kind_en": kind_en,
        "link": absolute_url(notification.url),
        "inbox": absolute_url(reverse("notifications:inbox")),
        "settings_link": absolute_url(reverse("notifications:settings")),
        "name": notification.recipient.get_full_name() or notification.recipient.get_username(),
    }
    subject = f"{SUBJECT_PREFIX}{notification.title}".replace("\n", " ")[:250]
    text = render_to_string("notifications/email/notification.txt", context)
    html = render_to_string("notifications/email/notification.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        headers={"Auto-Submitted": "auto-generated", "X-Notification-Id": str(notification.pk)},
    )
    message.attach_alternative(html, "text/html")
    return message
