"""After-school service (课后服务): programmes, activities, the district's selected providers, daily reports."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedQuerySet

from .choices import ActivityKind, ProviderKind


class ProviderSelection(models.Model):
    """An institution the district bureau selected (遴选) to provide after-school service in its schools.

    Only non-subject institutions may be selected; AS-10-PROVIDER reads this list.
    ``valid_until`` empty means the selection is in force until withdrawn.
    """

    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="afterschool_selections",
        verbose_name=_("机构"),
    )
    district = models.ForeignKey(
        "schools.District", on_delete=models.PROTECT, related_name="afterschool_selections", verbose_name=_("区")
    )
    selected_on = models.DateField(_("遴选日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    # a school sees its own district's list; an institution its own selections
    scope_paths = {"district": "district_id", "school": "district__schools__id", "institution": "institution_id"}

    class Meta:
        ordering = ["district__code", "-selected_on", "id"]
        verbose_name = _("课后服务遴选机构")
        verbose_name_plural = _("课后服务遴选机构")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "institution", "selected_on"],
                name="providerselection_unique",
                violation_error_message=_("该机构在这一日期已被本区遴选"),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("selected_on")),
                name="providerselection_valid_after_selected",
                violation_error_message=_("有效期不能早于遴选日期"),
            ),
        ]

    def __str__(self):
        return f"{self.district} · {self.institution}"


class Programme(models.Model):
    """A school's after-school service programme (课后服务方案) for one term: what it offers and to whom."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="afterschool_programmes", verbose_name=_("学校")
    )
    term = models.ForeignKey("schools.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("学期"))
    extended_care = models.BooleanField(_("提供延时托管"), default=False)
    evening_self_study = models.BooleanField(_("提供晚自习（初中）"), default=False)
    note = models.TextField(_("说明"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "school__district_id", "school": "school_id"}

    class Meta:
        ordering = ["school", "term__starts_on"]
        verbose_name = _("课后服务方案")
        verbose_name_plural = _("课后服务方案")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "term"],
                name="programme_one_per_school_term",
                violation_error_message=_("该校本学期已有课后服务方案"),
            )
        ]

    def __str__(self):
        return f"{self.school} {self.term}"


class Activity(models.Model):
    """One item on a programme's menu (课后服务项目) and who provides it."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="activities", verbose_name=_("方案")
    )
    name = models.CharField(_("项目名称"), max_length=80)
    kind = models.CharField(_("类别"), max_length=10, choices=ActivityKind.choices)
    provider_kind = models.CharField(_("提供方"), max_length=16, choices=ProviderKind.choices)
    institution = models.ForeignKey(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="afterschool_activities",
        verbose_name=_("校外机构"),
    )
    provider_name = models.CharField(_("提供方姓名或名称"), max_length=80, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {
        "district": "programme__school__district_id",
        "school": "programme__school_id",
        "institution": "institution_id",
    }

    class Meta:
        ordering = ["programme", "kind", "name"]
        verbose_name = _("课后服务项目")
        verbose_name_plural = _("课后服务项目")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(provider_kind=ProviderKind.INSTITUTION, institution__isnull=False)
                    | (~Q(provider_kind=ProviderKind.INSTITUTION) & Q(institution__isnull=True))
                ),
                name="activity_institution_iff_provider_institution",
                violation_error_message=_("提供方为校外机构时必须选择机构，其他提供方不得选择机构"),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ActivityKind.values),
                name="activity_kind_valid",
                violation_error_message=_("项目类别无效"),
            ),
        ]

    def __str__(self):
        return self.name


class DailyReport(models.Model):
    """A school's after-school report for one school day (课后服务日报), one per school and date.

    Re-filing the same school and date replaces the figures; ``first_filed_at``
    keeps when the day was first reported (timeliness, AS-REPORT-MISSING).
    """

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="afterschool_reports", verbose_name=_("学校")
    )
    date = models.DateField(_("日期"))
    pe_minutes = models.PositiveSmallIntegerField(_("体育课时长（分钟）"))
    stage1_minutes = models.PositiveSmallIntegerField(_("第一阶段锻炼时长（分钟）"))
    end_time = models.TimeField(_("结束时间"))
    enrolled = models.PositiveIntegerField(_("报名人数"))
    participants = models.PositiveIntegerField(_("参加人数"))
    new_lessons = models.BooleanField(_("讲授新课"), default=False)
    compulsory = models.BooleanField(_("要求全员参加"), default=False)
    extended_care = models.BooleanField(_("提供延时托管"), default=False)
    filed_at = models.DateTimeField(_("填报时间"), default=timezone.now)
    first_filed_at = models.DateTimeField(_("首次填报时间"), default=timezone.now)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "school__district_id", "school": "school_id"}

    class Meta:
        ordering = ["-date", "school"]
        verbose_name = _("课后服务日报")
        verbose_name_plural = _("课后服务日报")
        indexes = [models.Index(fields=["date", "school"])]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "date"],
                name="dailyreport_one_per_school_day",
                violation_error_message=_("该校这一天已有课后服务日报"),
            ),
            models.CheckConstraint(
                condition=Q(participants__lte=F("enrolled")),
                name="dailyreport_participants_le_enrolled",
                violation_error_message=_("参加人数不能多于报名人数"),
            ),
            models.CheckConstraint(
                condition=Q(pe_minutes__gte=0, stage1_minutes__gte=0, enrolled__gte=0, participants__gte=0),
                name="dailyreport_non_negative",
                violation_error_message=_("时长和人数不能为负数"),
            ),
        ]

    def __str__(self):
        return f"{self.school} {self.date}"
