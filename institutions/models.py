"""The registry of off-campus training institutions (校外培训机构)."""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedQuerySet
from schools.choices import Subject

from .choices import Audience, Category, DisclosureItem, Domain, LicenceStatus, ListStatus, Mode, SessionMode
from .validators import validate_credit_code


class Institution(models.Model):
    """An off-campus training institution as the district bureau registers it."""

    name = models.CharField(_("机构名称"), max_length=120)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code])
    district = models.ForeignKey(
        "schools.District", on_delete=models.PROTECT, related_name="institutions", verbose_name=_("所在区")
    )
    category = models.CharField(_("类别"), max_length=12, choices=Category.choices)
    domain = models.CharField(_("领域"), max_length=10, choices=Domain.choices)
    audience = models.JSONField(_("面向对象"), default=list, help_text=_("一个或多个：%s") % ", ".join(Audience.values))
    mode = models.CharField(_("培训方式"), max_length=8, choices=Mode.choices)
    nonprofit = models.BooleanField(_("非营利性"), default=False)
    licence_no = models.CharField(_("办学许可证号"), max_length=40, blank=True)
    licence_status = models.CharField(
        _("许可证状态"), max_length=8, choices=LicenceStatus.choices, default=LicenceStatus.NONE
    )
    approved_on = models.DateField(_("审批日期"), null=True, blank=True)
    reapproved_on = models.DateField(_("线上机构重新审批日期"), null=True, blank=True)
    icp_no = models.CharField(_("ICP备案号"), max_length=40, blank=True)
    listed = models.BooleanField(_("已上市"), default=False)
    capital_raised = models.BooleanField(_("资本化融资"), default=False)
    foreign_controlled = models.BooleanField(_("外资控股或VIE"), default=False)
    list_status = models.CharField(_("黑白名单"), max_length=6, choices=ListStatus.choices, default=ListStatus.NONE)
    list_status_since = models.DateField(_("列入日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id", "institution": "id"}

    class Meta:
        ordering = ["district__code", "name"]
        verbose_name = _("培训机构")
        verbose_name_plural = _("培训机构")
        indexes = [
            models.Index(fields=["district", "category"]),
            models.Index(fields=["name"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(category__in=Category.values),
                name="institution_category_valid",
                violation_error_message=_("类别无效"),
            ),
        ]

    def __str__(self):
        return self.name


class ListStatusChange(models.Model):
    """One dated change of an institution's white/black list status, with who made it and why."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="list_changes", verbose_name=_("培训机构")
    )
    from_status = models.CharField(_("原状态"), max_length=6, choices=ListStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=6, choices=ListStatus.choices)
    effective_on = models.DateField(_("生效日期"))
    reason = models.TextField(_("原因"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("记录时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "institution__district_id", "institution": "institution_id"}

    class Meta:
        ordering = ["-effective_on", "-at"]
        verbose_name = _("黑白名单变更")
        verbose_name_plural = _("黑白名单变更")
        indexes = [models.Index(fields=["institution", "effective_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""),
                name="list_change_reason_required",
                violation_error_message=_("请填写变更原因"),
            ),
        ]

    def __str__(self):
        return f"{self.institution_id}: {self.from_status} → {self.to_status} ({self.effective_on})"


class Site(models.Model):
    """An address where the institution may teach offline (审批的培训场所)."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="sites", verbose_name=_("培训机构")
    )
    address = models.CharField(_("地址"), max_length=200)
    approved = models.BooleanField(_("已审批"), default=True)
    approved_on = models.DateField(_("审批日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "institution__district_id", "institution": "institution_id"}

    class Meta:
        ordering = ["institution_id", "address"]
        verbose_name = _("培训场所")
        verbose_name_plural = _("培训场所")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "address"],
                name="site_unique_address",
                violation_error_message=_("该机构已登记此地址"),
            ),
        ]

    def __str__(self):
        return self.address


class Trainer(models.Model):
    """A person who teaches for the institution; subject courses need a teacher-qualification certificate."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="trainers", verbose_name=_("培训机构")
    )
    name = models.CharField(_("姓名"), max_length=60)
    photo = models.ImageField(_("照片"), upload_to="trainers/%Y/", blank=True)
    certificate_no = models.CharField(_("教师资格证号"), max_length=40, blank=True)
    classes_taught = models.TextField(_("任教班级"), blank=True)
    disclosed = models.BooleanField(_("已公示"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "institution__district_id", "institution": "institution_id"}

    class Meta:
        ordering = ["institution_id", "name"]
        verbose_name = _("培训人员")
        verbose_name_plural = _("培训人员")
        indexes = [models.Index(fields=["certificate_no"])]

    def __str__(self):
        return self.name


class ForeignStaff(models.Model):
    """A foreign national the institution employs (外籍人员)."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="foreign_staff", verbose_name=_("培训机构")
    )
    name = models.CharField(_("姓名"), max_length=80)
    work_permit_no = models.CharField(_("工作许可证号"), max_length=40, blank=True)
    in_china = models.BooleanField(_("在境内"), default=True)
    disclosed = models.BooleanField(_("已公示"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "institution__district_id", "institution": "institution_id"}

    class Meta:
        ordering = ["institution_id", "name"]
        verbose_name = _("外籍人员")
        verbose_name_plural = _("外籍人员")

    def __str__(self):
        return self.name


class Course(models.Model):
    """A course the institution offers; grades are coded 0 = pre-school, 1–9 compulsory, 10–12 high school."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="courses", verbose_name=_("培训机构")
    )
    name = models.CharField(_("课程名称"), max_length=120)
    subject = models.CharField(_("科目"), max_length=16, choices=Subject.choices)
    content_grade = models.PositiveSmallIntegerField(_("内容对应年级"), help_text=_("0 为学前，1–9，10–12 为高中"))
    min_grade = models.PositiveSmallIntegerField(_("招生最低年级"))
    max_grade = models.PositiveSmallIntegerField(_("招生最高年级"))
    foreign_curriculum = models.BooleanField(_("使用境外课程"), default=False)
    mode = models.CharField(_("授课方式"), max_length=8, choices=SessionMode.choices)
    class_size = models.PositiveIntegerField(_("班额"))
    lesson_minutes = models.PositiveIntegerField(_("课时长度（分钟）"))
    price_per_lesson = models.DecimalField(_("每课时价格（元/人）"), max_digits=10, decimal_places=2)
    trainers = models.ManyToManyField(Trainer, blank=True, related_name="courses", verbose_name=_("授课人员"))
    enrolment_opens_on = models.DateField(_("开始招生日期"), null=True, blank=True)
    disclosed = models.BooleanField(_("已公示"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "institution__district_id", "institution": "institution_id"}

    class Meta:
        ordering = ["institution_id", "name"]
        verbose_name = _("课程")
        verbose_name_plural = _("课程")
        indexes = [models.Index(fields=["institution", "subject"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(content_grade__lte=12, min_grade__lte=12, max_grade__lte=12),
                name="course_grades_range",
                violation_error_message=_("年级应在 0–12 之间"),
            ),
            models.CheckConstraint(
                condition=models.Q(min_grade__lte=models.F("max_grade")),
                name="course_grade_order",
                violation_error_message=_("招生最低年级不能高于最高年级"),
            ),
            models.CheckConstraint(
                condition=models.Q(class_size__gt=0, lesson_minutes__gt=0, price_per_lesson__gte=0),
                name="course_positive_numbers",
                violation_error_message=_("班额、课时长度须为正数，价格不能为负"),
            ),
        ]

    def __str__(self):
        return self.name


class Session(models.Model):
    """One scheduled lesson of a course, at an approved site (offline) or online, for one class (班次) of it."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("课程"))
    site = models.ForeignKey(
        # RESTRICT: a site with sessions cannot be deleted alone, but goes with its institution
        Site,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("场所"),
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    mode = models.CharField(_("授课方式"), max_length=8, choices=SessionMode.choices)
    class_group = models.CharField(
        _("班次"),
        max_length=40,
        blank=True,
        help_text=_("同一课程分几个班上课时填写班次名称（如“周二晚班”）；留空表示该课程只有一个班"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "course__institution__district_id", "institution": "course__institution_id"}

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("课次")
        verbose_name_plural = _("课次")
        indexes = [models.Index(fields=["starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_start",
                violation_error_message=_("结束时间须晚于开始时间"),
            ),
        ]

    def __str__(self):
        return f"{self.course_id} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class EnrolmentFiling(models.Model):
    """The filing (备案) of a course's enrolment: brochure and fees, filed before enrolment opens."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="filings", verbose_name=_("课程"))
    filed_on = models.DateField(_("备案日期"))
    approved_on = models.DateField(_("核准日期"), null=True, blank=True)
    brochure = models.TextField(_("招生简章"), blank=True)
    fees = models.TextField(_("收费项目"), blank=True)
    enrolment_opens_on = models.DateField(_("开始招生日期"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "course__institution__district_id", "institution": "course__institution_id"}

    class Meta:
        ordering = ["-filed_on", "id"]
        verbose_name = _("招生备案")
        verbose_name_plural = _("招生备案")

    def __str__(self):
        return f"{self.course_id} {self.filed_on}"


class Prepayment(models.Model):
    """Fees collected in advance for a course (预收费): limited in hours and months, must be supervised."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="prepayments", verbose_name=_("课程"))
    paid_on = models.DateField(_("收费日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    class_hours = models.PositiveIntegerField(_("课时数"))
    months = models.PositiveIntegerField(_("覆盖月数"))
    account = models.CharField(_("收款账户"), max_length=60)
    supervised = models.BooleanField(_("纳入资金监管"), default=False)
    #: the supervised account the fee was paid into (TI-15-CUSTODY: none, or not the institution's current one)
    supervised_account = models.ForeignKey(
        "funds.SupervisedAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prepayments",
        verbose_name=_("资金监管账户"),
    )
    #: the receipt number the parent holds; the payer reference of the bank's deposit line
    receipt_no = models.CharField(_("收据编号"), max_length=40, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "course__institution__district_id", "institution": "course__institution_id"}

    class Meta:
        ordering = ["-paid_on", "id"]
        verbose_name = _("预收费")
        verbose_name_plural = _("预收费")
        indexes = [models.Index(fields=["paid_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="prepayment_amount_non_negative",
                violation_error_message=_("金额不能为负"),
            ),
            models.UniqueConstraint(
                fields=["course", "receipt_no"],
                condition=~models.Q(receipt_no=""),
                name="prepayment_unique_receipt",
                violation_error_message=_("收据编号重复"),
            ),
        ]

    def __str__(self):
        return f"{self.course_id} {self.paid_on} {self.amount}"


class Disclosure(models.Model):
    """One item the institution must publish (licence, fee standard, refund standard, fee account)."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="disclosures", verbose_name=_("培训机构")
    )
    item = models.CharField(_("公示事项"), max_length=16, choices=DisclosureItem.choices)
    published = models.BooleanField(_("已公示"), default=False)
    content = models.TextField(_("公示内容"), blank=True)
    updated_on = models.DateField(_("更新日期"), default=date.today)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "institution__district_id", "institution": "institution_id"}

    class Meta:
        ordering = ["institution_id", "item"]
        verbose_name = _("公示事项")
        verbose_name_plural = _("公示事项")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "item"],
                name="disclosure_unique_item",
                violation_error_message=_("该机构已有此公示事项"),
            ),
        ]

    def __str__(self):
        return f"{self.institution_id} {self.item}"
