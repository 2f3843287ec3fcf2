"""Filing periods: a closed day's corrections (更正申请) and the versions of the class-days they replaced.

A school day's homework closes at its deadline plus grace (``periods.closing``). After that only an approved
``Correction`` changes it: the school names the date, the class-days and why, and enters (or uploads) the new
rows; district staff approve or reject it with a reason. On approval the old rows of each class-day are kept as a
``DayVersion`` (numbered per class-day, a unique key) and the new rows replace them in one transaction.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedQuerySet
from homework.choices import HomeworkKind
from schools.choices import Subject

from .choices import CorrectionStatus

SCOPE_PATHS = {"district": "school__district_id", "school": "school_id"}


class Correction(models.Model):
    """A school's request to correct the homework of a closed day, and the district's decision on it."""

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="corrections", verbose_name=_("学校")
    )
    date = models.DateField(_("更正日期"))
    reason = models.TextField(_("更正原因"), max_length=2000)
    #: the new items, validated when requested (the homework filing contract's fields, one dict per item)
    rows = models.JSONField(_("更正后的作业"), default=list, blank=True)
    file_name = models.CharField(_("附件文件名"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("申请人")
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审批意见"), blank=True, max_length=2000)

    objects = ScopedQuerySet.as_manager()
    scope_paths = SCOPE_PATHS

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("更正申请")
        verbose_name_plural = _("更正申请")
        indexes = [models.Index(fields=["school", "date"], name="correction_school_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=CorrectionStatus.PENDING) | Q(decided_at__isnull=False),
                name="correction_decided_has_time",
                violation_error_message=_("已审批的申请应有审批时间"),
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.school_id} {self.date}"

    @property
    def is_pending(self) -> bool:
        return self.status == CorrectionStatus.PENDING


class CorrectionDay(models.Model):
    """One class-day a correction replaces, with the version of the day it was asked against."""

    correction = models.ForeignKey(Correction, on_delete=models.CASCADE, related_name="days")
    school_class = models.ForeignKey(
        "schools.SchoolClass", on_delete=models.PROTECT, related_name="+", verbose_name=_("班级")
    )
    #: the class-day's version when the correction was asked (0: never corrected); approval refuses a day whose
    #: version has moved since (another correction was applied first)
    base_version = models.PositiveIntegerField(_("申请时版本"), default=0)
    items_before = models.PositiveIntegerField(_("更正前作业项数"), null=True, blank=True)
    items_after = models.PositiveIntegerField(_("更正后作业项数"), null=True, blank=True)

    class Meta:
        ordering = ["correction", "school_class"]
        verbose_name = _("更正班级日")
        verbose_name_plural = _("更正班级日")
        constraints = [
            models.UniqueConstraint(
                fields=["correction", "school_class"],
                name="correctionday_unique",
                violation_error_message=_("同一申请中班级重复"),
            )
        ]


class DayVersion(models.Model):
    """A superseded version of one class-day's homework: the rows an approved correction replaced.

    Version n is what the day held before the n-th correction applied to it; (class, date, version) is unique, so
    two corrections approved at once from the same version cannot both apply.
    """

    school_class = models.ForeignKey(
        "schools.SchoolClass", on_delete=models.PROTECT, related_name="+", verbose_name=_("班级")
    )
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("学校"))
    date = models.DateField(_("日期"))
    version = models.PositiveIntegerField(_("版本"))
    #: the replaced items as they were (the item fields, one dict per item)
    items = models.JSONField(_("原作业"), default=list)
    no_homework = models.BooleanField(_("今日无作业"), default=False)
    filed = models.BooleanField(_("曾公示"), default=False)
    first_filed_at = models.DateTimeField(_("首次公示时间"), null=True, blank=True)
    last_filed_at = models.DateTimeField(_("最近修改时间"), null=True, blank=True)
    correction = models.ForeignKey(
        Correction, on_delete=models.PROTECT, related_name="versions", verbose_name=_("更正申请")
    )
    replaced_at = models.DateTimeField(_("更正时间"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = SCOPE_PATHS

    class Meta:
        ordering = ["date", "school_class", "version"]
        verbose_name = _("作业历史版本")
        verbose_name_plural = _("作业历史版本")
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "date", "version"],
                name="dayversion_unique_version",
                violation_error_message=_("该班级当天的这一版本已存在：另一更正已先应用"),
            )
        ]

    def __str__(self):
        return f"{self.school_class_id} {self.date} v{self.version}"

    @property
    def item_rows(self) -> list[dict]:
        """The replaced items with their subject and kind labels, for the history tables."""
        subjects, kinds = dict(Subject.choices), dict(HomeworkKind.choices)
        return [
            {
                **i,
                "subject_label": subjects.get(i["subject"], i["subject"]),
                "kind_label": kinds.get(i["kind"], i["kind"]),
            }
            for i in self.items
        ]
