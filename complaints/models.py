"""Complaints from parents and the public (投诉举报), their timeline, photos, and views of the complainant's contact."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedQuerySet

from .choices import AWAITING_ACCEPT, AWAITING_RESOLVE, Category, Channel, Department, EventKind, State, TargetKind
from .crypto import EncryptedTextField, mask_email, mask_name, mask_phone


class Complaint(models.Model):
    """A complaint (投诉举报) about an institution, a school, a teacher or something else.

    Routed (Art. 28) to the district of its target and to the department that
    handles it, and worked through the state machine in ``choices.TRANSITIONS``
    with working-day deadlines from the district's calendar.

    Personal information: the complainant's name, phone and e-mail are
    encrypted at rest (``crypto.EncryptedTextField``). They are shown masked
    (138****1234) everywhere; only the staff handling the complaint, i.e. the
    district bureau staff of the complaint's district, may reveal them in
    full, and every reveal is a ``ContactView`` row. City staff see all
    districts' complaints but only the masked contact. School and institution
    users never see complaints (a complaint against them must not reach them
    with its complainant). After ``settings.COMPLAINT_RETENTION_DAYS`` a closed
    complaint's personal fields are erased (``personal_data_erased_at``).

    The complainant follows the complaint with ``tracking_code`` and a secret
    of which only a hash is stored (``secret_hash``).
    """

    tracking_code = models.CharField(_("查询码"), max_length=12, unique=True)
    secret_hash = models.CharField(max_length=128)
    #: the one-time token of the form that filed it: a resubmission of that form finds this complaint
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices, default=Channel.WEB)

    target_kind = models.CharField(_("投诉对象"), max_length=12, choices=TargetKind.choices)
    institution = models.ForeignKey(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("培训机构"),
    )
    school = models.ForeignKey(
        "schools.School",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("学校"),
    )
    teacher = models.ForeignKey(
        "schools.SchoolTeacher",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
        verbose_name=_("在职教师（工作人员核实）"),
    )
    teacher_name = models.CharField(_("教师姓名"), max_length=40, blank=True)
    target_text = models.CharField(_("投诉对象说明"), max_length=200, blank=True)
    grade = models.PositiveSmallIntegerField(_("年级"), null=True, blank=True)

    category = models.CharField(_("问题类别"), max_length=32, choices=Category.choices)
    description = models.TextField(_("问题描述"), max_length=4000)
    occurred_on = models.DateField(_("发生日期"))

    district = models.ForeignKey(
        "schools.District", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("承办区")
    )
    department = models.CharField(_("承办部门"), max_length=20, choices=Department.choices)

    state = models.CharField(_("状态"), max_length=14, choices=State.choices, default=State.RECEIVED)
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)
    received_on = models.DateField(_("收到日期"), db_index=True)
    accept_due = models.DateField(_("受理期限"), null=True, blank=True)
    responded_at = models.DateTimeField(_("受理或不予受理时间"), null=True, blank=True)
    resolve_due = models.DateField(_("办结期限"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    deadline_note = models.CharField(_("期限说明"), max_length=300, blank=True)

    reject_reason = models.TextField(_("不予受理理由"), blank=True)
    outcome = models.TextField(_("办理结果"), blank=True)
    upheld = models.BooleanField(_("投诉属实"), null=True, blank=True)
    rule_id = models.CharField(_("规则编号"), max_length=32, blank=True)
    finding = models.ForeignKey(
        "compliance.Finding",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
        verbose_name=_("立案线索"),
    )
    reopen_count = models.PositiveSmallIntegerField(_("重新处理次数"), default=0)

    contact_name = EncryptedTextField(_("联系人"), blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True)
    contact_email = EncryptedTextField(_("电子邮箱"), blank=True)
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    personal_data_erased_at = models.DateTimeField(_("个人信息删除时间"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("录入人"),
    )
    #: the officer of the complaint's district handling it (a rerouting to another district clears it)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints_assigned",
        verbose_name=_("承办人"),
    )
    assigned_at = models.DateTimeField(_("分配时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id"}

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        indexes = [
            models.Index(fields=["district", "state", "accept_due"]),
            models.Index(fields=["district", "state", "resolve_due"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(assigned_to__isnull=True, assigned_at__isnull=True)
                | Q(assigned_to__isnull=False, assigned_at__isnull=False),
                name="complaint_assigned_with_time",
            ),
            models.CheckConstraint(
                name="complaint_state_valid",
                condition=Q(state__in=State.values),
                violation_error_message=_("状态无效"),
            ),
            models.CheckConstraint(
                name="complaint_reopen_once",
                condition=Q(reopen_count__lte=1),
                violation_error_message=_("每件投诉只能申请重新处理一次"),
            ),
            models.CheckConstraint(
                name="complaint_target_consistent",
                condition=(
                    Q(target_kind=TargetKind.INSTITUTION, institution__isnull=False, school__isnull=True)
                    | Q(target_kind=TargetKind.SCHOOL, school__isnull=False, institution__isnull=True)
                    | Q(target_kind=TargetKind.TEACHER, school__isnull=False, institution__isnull=True)
                    | Q(target_kind=TargetKind.OTHER, institution__isnull=True)
                ),
                violation_error_message=_("投诉对象与所选机构或学校不一致"),
            ),
            models.CheckConstraint(
                name="complaint_rejected_has_reason",
                condition=~Q(state=State.REJECTED) | ~Q(reject_reason=""),
                violation_error_message=_("不予受理须说明理由"),
            ),
        ]

    def __str__(self):
        return self.tracking_code

    # -- what the pages and the API show -------------------------------------
    @property
    def next_due(self):
        if self.state in AWAITING_ACCEPT:
            return self.accept_due
        if self.state in AWAITING_RESOLVE:
            return self.resolve_due
        return None

    def is_overdue(self, today=None) -> bool:
        due = self.next_due
        return bool(due and (today or timezone.localdate()) > due)

    @property
    def target_label(self) -> str:
        if self.target_kind == TargetKind.INSTITUTION and self.institution_id:
            return self.institution.name
        if self.target_kind == TargetKind.TEACHER:
            teacher = self.teacher.name if self.teacher_id else self.teacher_name
            return f"{self.school.name} · {teacher}" if self.school_id else teacher
        if self.target_kind == TargetKind.SCHOOL and self.school_id:
            return self.school.name
        return self.target_text

    @property
    def masked_name(self) -> str:
        return mask_name(self.contact_name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.contact_phone)

    @property
    def masked_email(self) -> str:
        return mask_email(self.contact_email)

    @property
    def anonymous(self) -> bool:
        return not (self.contact_name or self.contact_phone or self.contact_email)


class ComplaintEvent(models.Model):
    """One entry of a complaint's timeline: who did what, when, with a note that is internal or public."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=12, choices=EventKind.choices)
    from_state = models.CharField(_("原状态"), max_length=14, choices=State.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=14, choices=State.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("操作方"), max_length=40, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    note = models.TextField(_("说明"), blank=True)
    public = models.BooleanField(_("对投诉人公开"), default=False)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "complaint__district_id"}

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("投诉办理记录")
        verbose_name_plural = _("投诉办理记录")

    def __str__(self):
        return f"{self.complaint_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


def _photo_path(instance, filename):
    import uuid

    ext = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"complaints/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class ComplaintPhoto(models.Model):
    """A photo attached to a complaint; checked by decoding it, stored under a random name, shown only to staff."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=_photo_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "complaint__district_id"}

    class Meta:
        ordering = ["id"]
        verbose_name = _("投诉照片")
        verbose_name_plural = _("投诉照片")

    def __str__(self):
        return self.image.name


class ContactView(models.Model):
    """An audit row: a staff member saw a complainant's full contact details (who, when)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="contact_views")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "complaint__district_id"}

    class Meta:
        ordering = ["-at"]
        verbose_name = _("联系方式查看记录")
        verbose_name_plural = _("联系方式查看记录")

    def __str__(self):
        return f"{self.user_id} viewed {self.complaint_id} at {self.at:%Y-%m-%d %H:%M}"
