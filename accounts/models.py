"""Who a user acts for: a role and the district, school or institution it is bound to."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import Role


class Profile(models.Model):
    """A staff user's role and scope (角色与管辖范围). One per user; no profile means no access."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices)
    district = models.ForeignKey(
        "schools.District", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("所属区")
    )
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("所属学校")
    )
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("所属机构")
    )
    bank = models.ForeignKey("funds.Bank", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("所属银行"))
    # set when an administrator resets the password: until the user picks their own, every page leads to the
    # change-password page and the API answers 403 (accounts.middleware, accounts.authentication)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    class Meta:
        verbose_name = _("用户角色")
        verbose_name_plural = _("用户角色")
        constraints = [
            models.CheckConstraint(
                name="profile_scope_matches_role",
                condition=(
                    Q(role=Role.CITY, district__isnull=True, school__isnull=True, institution__isnull=True)
                    | Q(role=Role.DISTRICT, district__isnull=False, school__isnull=True, institution__isnull=True)
                    | Q(role=Role.SCHOOL, school__isnull=False, institution__isnull=True)
                    | Q(role=Role.INSTITUTION, institution__isnull=False, school__isnull=True)
                    | Q(
                        role=Role.BANK,
                        bank__isnull=False,
                        district__isnull=True,
                        school__isnull=True,
                        institution__isnull=True,
                    )
                )
                & (Q(role=Role.BANK) | Q(bank__isnull=True)),
                violation_error_message=_("角色与所属范围不一致：区教委须指定区，学校须指定学校，机构须指定机构"),
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


class AuditAction(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKED_OUT = "locked_out", _("登录被锁定")
    LOGOUT = "logout", _("退出")
    ACCESS_DENIED = "access_denied", _("拒绝访问")
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    STATUS_CHANGE = "status_change", _("状态变更")
    VIEW_CONTACT = "view_contact", _("查看投诉人联系方式")
    EXPORT = "export", _("导出")
    PASSWORD_CHANGE = "password_change", _("修改密码")
    PASSWORD_RESET = "password_reset", _("重置密码")


class AuditOutcome(models.TextChoices):
    OK = "ok", _("成功")
    FAILED = "failed", _("失败")
    DENIED = "denied", _("拒绝")


class AppendOnlyError(Exception):
    """Raised when the application tries to change or delete an audit record."""


class AuditEventQuerySet(models.QuerySet):
    """Audit records can be read and added, never changed or removed through the ORM."""

    def update(self, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    def delete(self):
        raise AppendOnlyError("audit events are append-only")

    _raw_delete = delete

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("audit events are append-only")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    def bulk_create(self, objs, *args, update_conflicts=False, **kwargs):
        # ``update_conflicts`` turns the INSERT into an upsert that rewrites stored rows
        if update_conflicts:
            raise AppendOnlyError("audit events are append-only")
        return super().bulk_create(objs, *args, **kwargs)


class AuditEvent(models.Model):
    """One entry of the audit trail (审计日志): who did what, when, to which object, and the outcome.

    Append-only: ``save()`` refuses to rewrite a stored row, ``delete()`` and the
    queryset's ``update()``/``delete()`` refuse, and on PostgreSQL a trigger
    rejects UPDATE and DELETE on the table. Records are kept at least
    ``AUDIT_RETENTION_DAYS`` (183, the six-month floor of the Cybersecurity Law,
    art. 21); only the DBA command ``purge_audit`` removes older ones.
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("操作人"),
    )
    # the username as typed or as it was then: survives a renamed or deleted account
    actor_label = models.CharField(_("操作人账号"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    district = models.ForeignKey(
        "schools.District",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("所属区"),
    )
    outcome = models.CharField(_("结果"), max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.OK)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    path = models.CharField(_("请求路径"), max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["actor_label", "at"], name="audit_actor_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]
        default_permissions = ("view", "add")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only")
        kwargs["force_insert"] = True
        kwargs.pop("force_update", None)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")


class DeniedRequestTally(models.Model):
    """How many requests one client was refused on one URL pattern within one minute (拒绝访问计数).

    The audit trail records the first refusal of each (address, account, URL pattern, minute); the repeats
    are counted here, one row per key upserted in one statement, so a flood of refused requests writes one
    audit event a minute per pattern instead of one per request, and the number of refusals stays known.
    This table is not the audit trail: counts are updated in place.
    """

    client = models.CharField(_("IP 地址"), max_length=45, blank=True)
    actor_label = models.CharField(_("操作人账号"), max_length=150, blank=True)
    path_pattern = models.CharField(_("路径模式"), max_length=300)
    minute = models.DateTimeField(_("分钟"))
    count = models.PositiveIntegerField(_("次数"), default=1)

    class Meta:
        verbose_name = _("拒绝访问计数")
        verbose_name_plural = _("拒绝访问计数")
        ordering = ["-minute", "client"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "actor_label", "path_pattern", "minute"], name="denied_tally_one_row_per_minute"
            )
        ]

    def __str__(self):
        return f"{self.minute:%Y-%m-%d %H:%M} {self.client} {self.path_pattern} × {self.count}"
