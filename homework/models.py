"""Homework filings (作业公示): the items of a class's school day, the day's filing record, completion surveys."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedQuerySet
from schools.choices import Subject

from .choices import MAX_ITEM_MINUTES, HomeworkKind

SCOPE_PATHS = {"district": "school__district_id", "school": "school_id"}


class HomeworkItem(models.Model):
    """One piece of homework a class was given for a school day (作业), as the school filed and published it.

    The natural key is (class, date, subject, kind). Re-filing a class's day and
    subject replaces every item of that subject (delete and insert in one
    transaction), so a correction never leaves a duplicate. ``school`` is
    denormalised from the class so that scoping and the rules need no join for it.
    The unique key leads with the date, so a day's rows sit together in the index
    the rules read (the city's day is one range scan). ``school`` and ``filed_by``
    carry no database FK check: bulk filing writes 5,000 rows at a time and the
    class's FK is the one that matters; the service copies ``school`` from it.
    ``minutes`` is the teacher's estimate; a ``CompletionSurvey`` of the same key
    overrides it in the minute rules.
    """

    school_class = models.ForeignKey(
        "schools.SchoolClass", on_delete=models.PROTECT, related_name="homework_items", verbose_name=_("班级")
    )
    # copied from the class by the filing service; no FK check of its own (the class's is enough)
    school = models.ForeignKey(
        "schools.School", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, verbose_name=_("学校")
    )
    date = models.DateField(_("日期"))
    subject = models.CharField(_("学科"), max_length=20, choices=Subject.choices)
    kind = models.CharField(_("类型"), max_length=10, choices=HomeworkKind.choices)
    minutes = models.PositiveSmallIntegerField(_("预计完成时间（分钟）"))
    at_home = models.BooleanField(_("在家完成"), default=True)
    for_parents = models.BooleanField(_("布置给家长"), default=False)
    parent_grading = models.BooleanField(_("要求家长检查或批改"), default=False)
    self_grading = models.BooleanField(_("要求学生自批自改"), default=False)
    punitive = models.BooleanField(_("机械重复或惩罚性"), default=False)
    beyond_standard = models.BooleanField(_("超出课程标准"), default=False)
    content = models.CharField(_("作业内容"), max_length=500, blank=True)
    filed_at = models.DateTimeField(_("填报时间"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        verbose_name=_("填报人"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = SCOPE_PATHS

    class Meta:
        ordering = ["date", "school_class", "subject", "kind"]
        verbose_name = _("作业")
        verbose_name_plural = _("作业")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "school_class", "subject", "kind"],
                name="homeworkitem_unique_key",
                violation_error_message=_("该班级当天该学科已有同类型作业"),
            ),
            models.CheckConstraint(
                condition=Q(minutes__lte=MAX_ITEM_MINUTES),
                name="homeworkitem_minutes_range",
                violation_error_message=_("作业时长应在 0 到 300 分钟之间"),
            ),
        ]
        indexes = [
            models.Index(fields=["school", "date"], name="homeworkitem_school_date"),
        ]

    def __str__(self):
        return f"{self.school_class_id} {self.date} {self.get_subject_display()} {self.get_kind_display()}"


class HomeworkDay(models.Model):
    """The filing record of one class's school day: what HW-4-PUBLISH and the publication page count.

    Every filing writes (or updates) this row for each class and date it touches,
    so "filed" means a row exists, whatever the items are. A school with no
    homework for a class that day files the day with ``no_homework`` set (今日无作业)
    and no items: the day counts as published. ``first_filed_at`` is when the day
    was first published (timeliness, as DHIS2 counts a report "on time"); a later
    correction moves ``last_filed_at`` only.
    """

    school_class = models.ForeignKey(
        "schools.SchoolClass", on_delete=models.CASCADE, related_name="homework_days", verbose_name=_("班级")
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+", verbose_name=_("学校"))
    date = models.DateField(_("日期"))
    no_homework = models.BooleanField(_("今日无作业"), default=False)
    first_filed_at = models.DateTimeField(_("首次公示时间"))
    last_filed_at = models.DateTimeField(_("最近修改时间"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("填报人"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = SCOPE_PATHS

    class Meta:
        ordering = ["-date", "school_class"]
        verbose_name = _("作业公示日")
        verbose_name_plural = _("作业公示日")
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "date"],
                name="homeworkday_unique_class_date",
                violation_error_message=_("该班级当天已有公示记录"),
            ),
        ]
        indexes = [models.Index(fields=["school", "date"], name="homeworkday_school_date")]

    def __str__(self):
        return f"{self.school_class_id} {self.date}"


class CompletionSurvey(models.Model):
    """The measured average completion time of one homework item, from a sample of students (完成时间抽样调查).

    Keyed like the item it measures (class, date, subject, kind) rather than by
    the item's id, so a re-filed item keeps its survey. Where a survey exists the
    minute rules count ``measured_minutes`` instead of the teacher's estimate.
    """

    school_class = models.ForeignKey(
        "schools.SchoolClass", on_delete=models.CASCADE, related_name="homework_surveys", verbose_name=_("班级")
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+", verbose_name=_("学校"))
    date = models.DateField(_("日期"))
    subject = models.CharField(_("学科"), max_length=20, choices=Subject.choices)
    kind = models.CharField(_("类型"), max_length=10, choices=HomeworkKind.choices)
    measured_minutes = models.PositiveSmallIntegerField(_("实测平均完成时间（分钟）"))
    sample_size = models.PositiveSmallIntegerField(_("抽样学生数"))
    recorded_at = models.DateTimeField(_("记录时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("记录人"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = SCOPE_PATHS

    class Meta:
        ordering = ["-date", "school_class", "subject"]
        verbose_name = _("作业完成时间调查")
        verbose_name_plural = _("作业完成时间调查")
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "date", "subject", "kind"],
                name="completionsurvey_unique_key",
                violation_error_message=_("该作业已有完成时间调查"),
            ),
            models.CheckConstraint(
                condition=Q(measured_minutes__lte=MAX_ITEM_MINUTES) & Q(sample_size__gte=1),
                name="completionsurvey_sane",
                violation_error_message=_("实测时间应在 0 到 300 分钟之间，且至少抽样 1 名学生"),
            ),
        ]

    def __str__(self):
        return f"{self.school_class_id} {self.date} {self.subject} {self.measured_minutes}"
