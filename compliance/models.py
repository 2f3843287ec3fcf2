"""Rule parameters, findings (问题线索) and their history, and compliance runs."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedQuerySet

from .choices import FindingStatus, NoticeState, ReportDecision, RuleKind, RunState, RunTrigger


class RuleParameter(models.Model):
    """One dated value of a rule parameter (OpenFisca-style): in force from ``effective_from`` until the next row."""

    key = models.CharField(_("参数"), max_length=60, db_index=True)
    value = models.JSONField(_("取值"))
    effective_from = models.DateField(_("生效日期"))
    source = models.TextField(_("依据"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key", "effective_from"]
        verbose_name = _("规则参数")
        verbose_name_plural = _("规则参数")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "effective_from"],
                name="ruleparameter_one_value_per_date",
                violation_error_message=_("该参数在这一生效日期已有取值"),
            )
        ]

    def __str__(self):
        return f"{self.key}={self.value} (from {self.effective_from})"


class Finding(models.Model):
    """A violation a rule raised (or staff recorded) against a subject, tracked until it is resolved."""

    rule_id = models.CharField(_("规则编号"), max_length=32)  # indexed first in (rule_id, district, period_start)
    kind = models.CharField(_("来源"), max_length=6, choices=RuleKind.choices, default=RuleKind.AUTO)
    # the district, school and institution are indexed first in their (…, status) indexes: no index of their own.
    # The subjects a finding may lack (class, teacher, institution or school, creator) are indexed only where
    # present (partial indexes), so a city day's ten thousand new findings update six or seven indexes each.
    district = models.ForeignKey("schools.District", on_delete=models.PROTECT, related_name="findings", db_index=False)
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="findings", db_index=False
    )
    school_class = models.ForeignKey(
        "schools.SchoolClass",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
        db_index=False,
    )
    teacher = models.ForeignKey(
        "schools.SchoolTeacher",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
        db_index=False,
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
        db_index=False,
    )
    period_start = models.DateField(_("日期"), null=True, blank=True, help_text=_("空表示登记信息类问题，无具体日期"))
    period_end = models.DateField(_("截止日期"), null=True, blank=True)
    evidence = models.JSONField(_("证据"), default=dict)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    fingerprint = models.CharField(max_length=64)  # unique: see Meta (a constraint, no LIKE index)
    status = models.CharField(_("状态"), max_length=24, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    first_seen = models.DateTimeField(_("首次发现"), default=timezone.now)
    last_seen = models.DateTimeField(_("最近发现"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("状态变更时间"), default=timezone.now)
    sweep_token = models.CharField(max_length=32, blank=True, help_text=_("最近一次确认该问题的检查"))
    evidence_digest = models.CharField(
        max_length=40, blank=True, help_text=_("证据与摘要的摘要值：再次检查时证据未变则不重写")
    )
    #: a sweep no longer saw the violation while the bureau was handling the finding: the reviewer decides
    data_corrected_at = models.DateTimeField(_("数据已更正"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id", "school": "school_id", "institution": "institution_id"}

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("问题线索")
        verbose_name_plural = _("问题线索")
        indexes = [
            models.Index(fields=["rule_id", "district", "period_start"]),
            models.Index(fields=["district", "status"]),
            # the dashboards: a district's findings dated in a range (or undated)
            models.Index(fields=["district", "period_start"], name="finding_district_period"),
            models.Index(fields=["school", "status"], name="finding_school_status", condition=Q(school__isnull=False)),
            models.Index(
                fields=["institution", "status"],
                name="finding_institution_status",
                condition=Q(institution__isnull=False),
            ),
            models.Index(fields=["school_class"], name="finding_class", condition=Q(school_class__isnull=False)),
            models.Index(fields=["teacher"], name="finding_teacher", condition=Q(teacher__isnull=False)),
            models.Index(fields=["created_by"], name="finding_created_by", condition=Q(created_by__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["fingerprint"], name="finding_fingerprint_unique"),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True) | Q(period_end__gte=models.F("period_start")),
                name="finding_period_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.rule_id} #{self.pk}"


class FindingEvent(models.Model):
    """One status change of a finding: who, when, why."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=24, choices=FindingStatus.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=FindingStatus.choices)
    # a sweep's events have no actor: indexed only where there is one
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    actor_label = models.CharField(max_length=60, blank=True, help_text=_("系统操作时记录检查编号"))
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(_("原因"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")
        indexes = [models.Index(fields=["actor"], name="findingevent_actor", condition=Q(actor__isnull=False))]


class ComplianceRun(models.Model):
    """One sweep: its scope, who started it, its progress and its counts."""

    trigger = models.CharField(_("触发方式"), max_length=10, choices=RunTrigger.choices)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    date_from = models.DateField(_("开始日期"))
    date_to = models.DateField(_("结束日期"))
    district_codes = models.JSONField(_("区"), default=list)
    scope_district = models.ForeignKey(
        "schools.District",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("检查只覆盖一个区时为该区；区教委只能看到本区的检查"),
    )
    rule_ids = models.JSONField(_("规则"), default=list, help_text=_("空表示全部自动规则"))
    school_ids = models.JSONField(default=list, blank=True, help_text=_("只检查这些学校；空表示全部"))
    state = models.CharField(_("状态"), max_length=8, choices=RunState.choices, default=RunState.QUEUED)
    parts_total = models.PositiveIntegerField(default=0)
    parts_done = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    still_open_count = models.PositiveIntegerField(default=0)
    cleared_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    #: the days the run could not check because the calendar does not know their year: ``[{"district": code,
    #: "year": 2027, "error": text}]``, shown with the parts' errors (``run_refresh``)
    calendar_gaps = models.JSONField(default=list, blank=True)
    #: the nightly schedule's runs: the night (the date it ran on; it checks what became checkable since the
    #: previous night). One run per night.
    night = models.DateField(_("夜间检查日期"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    # a run is visible to a district user only when it covers their district alone
    scope_paths = {"district": "scope_district_id"}

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("合规检查")
        verbose_name_plural = _("合规检查")
        constraints = [
            models.UniqueConstraint(
                fields=["night"],
                condition=Q(night__isnull=False),
                name="run_one_per_night",
                violation_error_message=_("这一夜的定时检查已经创建"),
            )
        ]

    def __str__(self):
        return f"run {self.pk} {self.date_from}–{self.date_to}"

    @property
    def progress(self) -> float:
        return round(100 * self.parts_done / self.parts_total, 1) if self.parts_total else 0.0


class ComplianceRunPart(models.Model):
    """One rule in one district of a run: the unit a worker executes and may re-execute."""

    run = models.ForeignKey(ComplianceRun, on_delete=models.CASCADE, related_name="parts")
    district = models.ForeignKey("schools.District", on_delete=models.CASCADE)
    rule_id = models.CharField(max_length=32)
    #: the part's own days when they differ from the run's (the nightly schedule gives each rule the days that
    #: became checkable for it); empty: the run's range
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=8, choices=RunState.choices, default=RunState.QUEUED)
    new_count = models.PositiveIntegerField(default=0)
    still_open_count = models.PositiveIntegerField(default=0)
    cleared_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    #: the year the calendar did not know, when that is why the part failed
    error_year = models.PositiveSmallIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "district", "rule_id"], name="runpart_unique"),
            models.CheckConstraint(
                condition=Q(date_from__isnull=True, date_to__isnull=True)
                | Q(date_from__isnull=False, date_to__gte=F("date_from")),
                name="runpart_dates_ordered",
            ),
        ]


class SweepRequest(models.Model):
    """A change to data the rules read, to be swept by the next debounced sweep (the outbox of writes).

    Written inside the write's transaction, so a request exists exactly when the
    change does. Two kinds:

    - a school's filing: ``school`` and ``date`` (the school's rules over that day, for that school);
    - a registry write: ``topic`` (the model written, ``app_label.model``), the ``district`` (empty: every
      district, for rules matching across districts) and the ``date`` it concerns (empty: registration data
      with no date); the rules that read the model are swept over those dates in that district.

    Duplicates of a pending request collapse into one row.
    """

    school = models.ForeignKey("schools.School", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(
        "schools.District", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    topic = models.CharField(_("变更的数据"), max_length=60, blank=True)
    date = models.DateField(_("日期"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=30, default="filing")
    created_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    run = models.ForeignKey(ComplianceRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("检查请求")
        verbose_name_plural = _("检查请求")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "district", "topic", "date"],
                condition=Q(processed_at__isnull=True),
                nulls_distinct=False,
                name="sweeprequest_one_pending",
                violation_error_message=_("已有相同的待处理检查请求"),
            ),
            models.CheckConstraint(
                condition=Q(school__isnull=False, date__isnull=False, topic="") | Q(school__isnull=True) & ~Q(topic=""),
                name="sweeprequest_school_or_topic",
            ),
        ]
        indexes = [
            models.Index(fields=["processed_at"], name="sweeprequest_pending", condition=Q(processed_at__isnull=True))
        ]

    def __str__(self):
        return f"sweep request {self.school_id or self.topic} {self.district_id or ''} {self.date or ''}"


class RectificationNotice(models.Model):
    """整改通知: district staff tell a school or an institution to rectify some findings by a deadline.

    The deadline is counted in working days on the district's calendar from the day of issue, by the findings'
    severity (``rectify_working_days_*``; several severities: the shortest). The subject answers with a report;
    the bureau accepts it (the findings are rectified, the notice closed: 销号) or returns it with a reason.
    """

    number = models.CharField(_("通知编号"), max_length=40, unique=True)
    district = models.ForeignKey(
        "schools.District", on_delete=models.PROTECT, related_name="+", verbose_name=_("区"), db_index=False
    )
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("学校")
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("培训机构"),
    )
    findings = models.ManyToManyField(Finding, related_name="notices", verbose_name=_("问题线索"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("下发人")
    )
    issued_at = models.DateTimeField(_("下发时间"), default=timezone.now)
    issued_on = models.DateField(_("下发日期"))
    working_days = models.PositiveSmallIntegerField(_("整改期限（工作日）"))
    deadline = models.DateField(_("整改期限"))
    basis = models.TextField(_("依据"))
    required_action = models.TextField(_("整改要求"))
    state = models.CharField(_("状态"), max_length=10, choices=NoticeState.choices, default=NoticeState.ISSUED)
    returns = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    accepted_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    #: when the subject was reminded of the coming deadline, and when both sides were told it passed (once each)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id", "school": "school_id", "institution": "institution_id"}

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")
        indexes = [
            models.Index(fields=["district", "state"], name="notice_district_state"),
            models.Index(fields=["deadline"], name="notice_deadline"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(school__isnull=False, institution__isnull=True)
                | Q(school__isnull=True, institution__isnull=False),
                name="notice_one_subject",
                violation_error_message=_("整改通知须发给一所学校或一个机构"),
            ),
            models.CheckConstraint(condition=Q(deadline__gte=F("issued_on")), name="notice_deadline_after_issue"),
        ]

    def __str__(self):
        return self.number

    @property
    def subject(self):
        return self.school or self.institution


class NoticeCounter(models.Model):
    """The last number given to a notice of a district in a year (numbers run 0001, 0002, … per district-year)."""

    district = models.ForeignKey("schools.District", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["district", "year"], name="noticecounter_unique")]


class RectificationReport(models.Model):
    """整改报告: the subject's answer to a notice (text and attachments), and the bureau's review of it."""

    notice = models.ForeignKey(RectificationNotice, on_delete=models.CASCADE, related_name="reports")
    text = models.TextField(_("整改情况"), max_length=8000)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("提交人")
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    decision = models.CharField(
        _("复核结果"), max_length=10, choices=ReportDecision.choices, default=ReportDecision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("复核人"),
    )
    decided_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    decision_reason = models.TextField(_("复核意见"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {
        "district": "notice__district_id",
        "school": "notice__school_id",
        "institution": "notice__institution_id",
    }

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name = _("整改报告")
        verbose_name_plural = _("整改报告")
        constraints = [
            # one report waits for review at a time
            models.UniqueConstraint(
                fields=["notice"], condition=Q(decision="pending"), name="report_one_pending_per_notice"
            ),
            models.CheckConstraint(
                condition=~Q(decision="returned") | ~Q(decision_reason=""), name="report_return_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.notice_id} {self.submitted_at:%Y-%m-%d}"


def _attachment_path(instance, filename):
    import uuid

    return f"rectification/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{instance.extension}"


class ReportAttachment(models.Model):
    """A file attached to a report: an image, a PDF or a workbook, checked by its content; served only to the
    notice's parties, as a download."""

    report = models.ForeignKey(RectificationReport, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()

    objects = ScopedQuerySet.as_manager()
    scope_paths = {
        "district": "report__notice__district_id",
        "school": "report__notice__school_id",
        "institution": "report__notice__institution_id",
    }

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name
