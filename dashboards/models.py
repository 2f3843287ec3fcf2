"""Summary tables the dashboards read (数据看板汇总表), kept current by ``services.stats_refresh``.

A dashboard request never scans the raw homework items or daily reports: it
aggregates these tables, which ``stats_refresh`` rebuilds for a set of
districts and dates with a few INSERT … SELECT / DELETE statements after each
sweep and filing (``tasks.refresh_stats``) and nightly.

Grains:

- ``SchoolDay``: the school days (上学日) of each district, from the school
  calendar, so SQL can join classes and schools to the days they were due to file;
- ``ClassDayStat``: one row per class and school day (the filing unit of homework);
- ``HomeworkDayStat``: ``ClassDayStat`` summed per district, stage, grade band and day;
- ``HomeworkMinutes``: how many filed class-days had each total of written minutes,
  per district, stage, grade band and day (an exact histogram, for percentiles);
- ``HomeworkMinutesToDate``: the same histogram per district and grade band, every stage together, added up
  from the first day to each day (any range's percentile from two rows);
- ``SchoolDayStat``: one row per school and school day (the after-school report);
- ``AfterschoolDayStat``: ``SchoolDayStat`` summed per district, stage and day;
- ``FindingDayStat``: findings counted per district, day, rule and status, kept by triggers on the findings table.

District and city dashboards read only the district-grain tables (a few rows per
district and day); a school's dashboard and the district's list of schools read
``ClassDayStat`` and ``SchoolDayStat``. Complaints, rectification notices and the
institution registry are counted from their own tables (thousands of rows, not
millions).
"""

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedQuerySet
from schools.choices import GradeBand, Stage

from .choices import ReportState


class SchoolDay(models.Model):
    """A school day (上学日) of a district and the rule parameters in force on it, as of the last refresh.

    The cut-offs and limits are the dated parameters the HW-4-PUBLISH, HW-5-*,
    AS-REPORT-MISSING and AS-8-END rules use, resolved per day so that one SQL
    statement can count a range over which a parameter changed.
    """

    district = models.ForeignKey("schools.District", on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("日期"))
    week = models.DateField(_("所在周（周一）"))
    academic_year = models.PositiveSmallIntegerField(_("学年（起始年份）"))
    homework_cutoff = models.DateTimeField(_("作业公示截止（含宽限）"))
    report_cutoff = models.DateTimeField(_("课后服务日报截止（含宽限）"))
    limit_g36 = models.PositiveSmallIntegerField(_("3–6年级书面作业上限（分钟）"))
    limit_g79 = models.PositiveSmallIntegerField(_("7–9年级书面作业上限（分钟）"))
    min_end_time = models.TimeField(_("课后服务最早结束时间"))

    class Meta:
        verbose_name = _("上学日")
        verbose_name_plural = _("上学日")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "date"],
                name="dash_schoolday_unique",
                violation_error_message=_("该区这一天已登记为上学日"),
            ),
        ]


class ClassDayStat(models.Model):
    """One class on one school day: was homework due, filed, filed on time, and within the written-minute limit.

    ``written_minutes`` is the day's written home homework in minutes, as HW-5-* count it
    (a measured completion-survey average where one exists, the teacher's estimate otherwise);
    ``within_limit`` is set only for a filed day.
    """

    district = models.ForeignKey("schools.District", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey("schools.SchoolClass", on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=12, choices=Stage.choices)
    grade = models.PositiveSmallIntegerField()
    grade_band = models.CharField(max_length=3, choices=GradeBand.choices)
    date = models.DateField()
    week = models.DateField()
    expected = models.PositiveSmallIntegerField(default=1)
    filed = models.PositiveSmallIntegerField(default=0)
    on_time = models.PositiveSmallIntegerField(default=0)
    written_minutes = models.PositiveIntegerField(default=0)
    within_limit = models.PositiveSmallIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id", "school": "school_id"}

    class Meta:
        verbose_name = _("班级日作业统计")
        verbose_name_plural = _("班级日作业统计")
        indexes = [
            models.Index(fields=["district", "date"], name="dash_classday_district_date"),
            models.Index(fields=["school", "date"], name="dash_classday_school_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "date"],
                name="dash_classday_unique",
                violation_error_message=_("该班级这一天已有统计"),
            ),
            models.CheckConstraint(
                condition=Q(on_time__lte=F("filed"), within_limit__lte=F("filed")),
                name="dash_classday_flags",
                violation_error_message=_("未填报的班级日不能计为按时或未超时"),
            ),
        ]


class HomeworkDayStat(models.Model):
    """``ClassDayStat`` summed per district, stage, grade band and day: what district and city dashboards read."""

    district = models.ForeignKey("schools.District", on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=12, choices=Stage.choices)
    grade_band = models.CharField(max_length=3, choices=GradeBand.choices)
    date = models.DateField()
    week = models.DateField()
    expected = models.PositiveIntegerField(default=0)
    filed = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    within_limit = models.PositiveIntegerField(default=0)
    minutes_total = models.PositiveBigIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id"}

    class Meta:
        verbose_name = _("区作业日统计")
        verbose_name_plural = _("区作业日统计")
        indexes = [models.Index(fields=["date", "district"], name="dash_hwday_date_district")]
        constraints = [
            models.UniqueConstraint(fields=["district", "stage", "grade_band", "date"], name="dash_hwday_unique"),
        ]


class HomeworkMinutes(models.Model):
    """How many filed class-days had ``minutes`` written minutes, per district, stage, grade band and day."""

    # indexed by dash_hwmin_district_date (a district's rows over a date range), not on its own
    district = models.ForeignKey("schools.District", on_delete=models.CASCADE, related_name="+", db_index=False)
    stage = models.CharField(max_length=12, choices=Stage.choices)
    grade_band = models.CharField(max_length=3, choices=GradeBand.choices)
    date = models.DateField()
    minutes = models.PositiveIntegerField()
    class_days = models.PositiveIntegerField()

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id"}

    class Meta:
        verbose_name = _("作业时长分布")
        verbose_name_plural = _("作业时长分布")
        indexes = [models.Index(fields=["district", "date"], name="dash_hwmin_district_date")]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "stage", "grade_band", "date", "minutes"], name="dash_hwmin_unique"
            ),
        ]


class HomeworkMinutesToDate(models.Model):
    """The running histogram of written minutes per district and grade band, every stage together: on each day
    that has filed class-days, ``at_most[m]`` (0-based) is how many filed class-days of the district and band,
    on that day or any earlier day, had at most ``m`` written minutes; the last element is every filed class-day
    to date (so ``at_most[m]`` for a larger ``m`` is the last element).

    A count over any range of days is the difference of two rows (the last row on or before the range's end
    and the last row before its start), and it grows with ``m``, so the range's exact nearest-rank percentile
    is a binary search over two arrays: a dashboard reads two rows per district and band whatever the range's
    length (DHIS2's analytics tables answer percentiles at the grain they are asked; this is the same figure
    read from a prefix sum). A refresh of some days rebuilds the rows from its first day on, from
    ``HomeworkMinutes``."""

    district = models.ForeignKey("schools.District", on_delete=models.CASCADE, related_name="+", db_index=False)
    grade_band = models.CharField(max_length=3, choices=GradeBand.choices)
    date = models.DateField()
    at_most = ArrayField(models.IntegerField())

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id"}

    class Meta:
        verbose_name = _("作业时长累计分布")
        verbose_name_plural = _("作业时长累计分布")
        constraints = [
            models.UniqueConstraint(fields=["district", "grade_band", "date"], name="dash_hwmintodate_unique"),
        ]


class SchoolDayStat(models.Model):
    """One school on one school day: the after-school report (课后服务日报) was due, filed, on time, and its figures.

    ``exercise_minutes`` is PE lessons plus stage-1 exercise, as AS-8-PE counts it;
    ``ended_after_min`` is 1 when the service ended at or after ``as_min_end_time`` (17:30).
    """

    district = models.ForeignKey("schools.District", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=12, choices=Stage.choices)
    date = models.DateField()
    week = models.DateField()
    expected = models.PositiveSmallIntegerField(default=1)
    reported = models.PositiveSmallIntegerField(default=0)
    on_time = models.PositiveSmallIntegerField(default=0)
    enrolled = models.PositiveIntegerField(default=0)
    participants = models.PositiveIntegerField(default=0)
    pe_minutes = models.PositiveIntegerField(default=0)
    exercise_minutes = models.PositiveIntegerField(default=0)
    ended_after_min = models.PositiveSmallIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id", "school": "school_id"}

    class Meta:
        verbose_name = _("学校日课后服务统计")
        verbose_name_plural = _("学校日课后服务统计")
        indexes = [
            models.Index(fields=["district", "date"], name="dash_schoolday_district_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "date"],
                name="dash_schooldaystat_unique",
                violation_error_message=_("该校这一天已有统计"),
            ),
        ]


class AfterschoolDayStat(models.Model):
    """``SchoolDayStat`` summed per district, stage and day: what district and city dashboards read of after-school
    service (rebuilt with the school-day rows by ``stats_refresh``)."""

    district = models.ForeignKey("schools.District", on_delete=models.CASCADE, related_name="+", db_index=False)
    stage = models.CharField(max_length=12, choices=Stage.choices)
    date = models.DateField()
    week = models.DateField()
    expected = models.PositiveIntegerField(default=0)
    reported = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    enrolled = models.PositiveBigIntegerField(default=0)
    participants = models.PositiveBigIntegerField(default=0)
    pe_minutes = models.PositiveBigIntegerField(default=0)
    exercise_minutes = models.PositiveBigIntegerField(default=0)
    ended_after_min = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id"}

    class Meta:
        verbose_name = _("区课后服务日统计")
        verbose_name_plural = _("区课后服务日统计")
        constraints = [
            # also the index of a district's days in a range
            models.UniqueConstraint(fields=["district", "date", "stage"], name="dash_asday_unique"),
        ]


class FindingDayStat(models.Model):
    """Findings counted per district, rule, day (``period_start``; null for undated registration findings) and
    status: what district and city dashboards read of findings.

    Kept by the database itself: statement-level triggers on the findings table add each statement's change to
    these rows in the writing transaction (migration ``0005``), whatever wrote it (the engine's set-based
    upserts, a status change, a bulk move, the admin), so the counts are never behind the findings.
    ``first_seen_min`` is the earliest ``first_seen`` of the group's findings (the "oldest open" figure);
    ``rectify_total`` sums ``status_changed_at - first_seen`` (the time to rectify of cleared findings).
    A group whose findings all moved away keeps a row with ``findings = 0``.
    """

    district = models.ForeignKey("schools.District", on_delete=models.CASCADE, related_name="+", db_index=False)
    rule_id = models.CharField(max_length=32)
    date = models.DateField(null=True)
    status = models.CharField(max_length=24)
    findings = models.IntegerField(default=0)
    first_seen_min = models.DateTimeField(null=True)
    rectify_total = models.DurationField(default=dt.timedelta(0))

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id"}

    class Meta:
        verbose_name = _("区问题日统计")
        verbose_name_plural = _("区问题日统计")
        constraints = [
            # the key the triggers upsert on (an undated group is one row: nulls not distinct); also the index
            # of a district's days in a range
            models.UniqueConstraint(
                fields=["district", "date", "rule_id", "status"], name="dash_findingday_unique", nulls_distinct=False
            ),
        ]


class MonthlyReportQuerySet(ScopedQuerySet):
    def accepted(self):
        return self.filter(state=ReportState.ACCEPTED)


class MonthlyReport(models.Model):
    """A district's monthly report (区月报): the dashboard's figures of one calendar month, frozen as JSON.

    District staff freeze the month (and may freeze it again while it is a draft), submit it to the city;
    city staff accept it (the month is then locked: ``selectors.month_locked``) or return it with a reason
    (a draft again, the reason shown until the next submission); the city may reopen an accepted month.
    ``figures`` is ``selectors.district_dashboard`` over the month, as it stood at ``frozen_at``.
    """

    district = models.ForeignKey("schools.District", on_delete=models.PROTECT, related_name="monthly_reports")
    month = models.DateField(_("月份（首日）"))
    state = models.CharField(_("状态"), max_length=12, choices=ReportState.choices, default=ReportState.DRAFT)
    figures = models.JSONField(_("冻结的数据"), default=dict)
    frozen_at = models.DateTimeField(_("汇总时间"))
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("汇总人"),
    )
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("报送人"),
    )
    accepted_at = models.DateTimeField(_("通过时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("通过人"),
    )
    returned_reason = models.TextField(_("退回理由"), blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    reopened_reason = models.TextField(_("重新开放理由"), blank=True)
    reopened_at = models.DateTimeField(_("重新开放时间"), null=True, blank=True)

    objects = MonthlyReportQuerySet.as_manager()
    scope_paths = {"district": "district_id"}

    class Meta:
        verbose_name = _("区月报")
        verbose_name_plural = _("区月报")
        ordering = ["-month", "district__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "month"],
                name="dash_monthlyreport_unique",
                violation_error_message=_("该区这个月已有月报"),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="dash_monthlyreport_first_day",
                violation_error_message=_("月报的月份以该月1日表示"),
            ),
            models.CheckConstraint(
                condition=Q(state__in=ReportState.values),
                name="dash_monthlyreport_state",
                violation_error_message=_("无效的月报状态"),
            ),
            models.CheckConstraint(
                condition=~Q(state="accepted") | Q(accepted_at__isnull=False, submitted_at__isnull=False),
                name="dash_monthlyreport_accepted_submitted",
                violation_error_message=_("通过的月报须有报送和通过时间"),
            ),
        ]
        indexes = [models.Index(fields=["month", "state"], name="dash_monthlyreport_month")]

    def __str__(self):
        return f"{self.district.name} {self.month:%Y-%m}"
