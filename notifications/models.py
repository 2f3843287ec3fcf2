"""A user's notifications (站内消息) and their e-mail switch.

A notification belongs to one user, not to a district, school or institution: two district staff of the same
district each have their own, each reads theirs. So this app does not declare ``scope_paths`` (the scoping
mechanism answers "which district's rows", and city staff would see every row); every read goes through
``NotificationQuerySet.for_user`` (``selectors.notifications_for``), and another user's notification is a 404.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import EmailState, NotificationKind


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """The user's own notifications; nothing for an anonymous visitor."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient_id=user.pk)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one staff user (站内消息): a notice received, a report to review, a deadline, a complaint.

    Written by ``services.notify`` in the transaction of the action it reports; its e-mail (when the user wants
    e-mail and has an address) is sent after that transaction commits and retried until it is sent once.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("收件人")
    )
    kind = models.CharField(_("类别"), max_length=24, choices=NotificationKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    # a path inside the portal ("/complaints/12/"): never another site
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    email_state = models.CharField(
        _("邮件状态"), max_length=12, choices=EmailState.choices, default=EmailState.NOT_WANTED
    )
    email_attempts = models.PositiveSmallIntegerField(_("邮件发送次数"), default=0)
    email_sent_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    # the last delivery error (the SMTP server's answer), for the administrator
    email_error = models.CharField(_("邮件发送错误"), max_length=300, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            # the inbox, and (partial) the unread list and the header's unread count
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient", "-created_at"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            # what the resend beat entry looks at: only the mails not yet sent
            models.Index(
                fields=["created_at"],
                condition=Q(email_state__in=[EmailState.PENDING, EmailState.FAILED]),
                name="notification_email_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="notification_url_inside_portal",
                condition=Q(url="") | (Q(url__startswith="/") & ~Q(url__startswith="//")),
                violation_error_message=_("消息链接须为本平台内的路径"),
            ),
            models.CheckConstraint(
                name="notification_sent_has_time",
                condition=Q(email_state=EmailState.SENT, email_sent_at__isnull=False)
                | (~Q(email_state=EmailState.SENT) & Q(email_sent_at__isnull=True)),
                violation_error_message=_("已发送的邮件须有发送时间"),
            ),
        ]

    def __str__(self):
        return f"{self.recipient_id}: {self.title}"

    @property
    def unread(self) -> bool:
        return self.read_at is None


class NotificationSetting(models.Model):
    """A user's choice about notification e-mail (邮件提醒设置). No row means the default: e-mail on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_setting",
        verbose_name=_("用户"),
    )
    email_enabled = models.BooleanField(_("接收邮件提醒"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("邮件提醒设置")
        verbose_name_plural = _("邮件提醒设置")

    def __str__(self):
        return f"{self.user_id}: {'on' if self.email_enabled else 'off'}"
