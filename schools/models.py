"""Districts, schools, classes, the teacher roster, and the school calendar."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedQuerySet

from .choices import Stage, StatutoryDayKind, TeacherStatus, TermName, VacationKind, grade_band


class District(models.Model):
    """A Beijing district (区), by its GB/T 2260 administrative code."""

    code = models.CharField(_("行政区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=20, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=40, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "id", "school": "schools__id", "institution": "institutions__id"}

    class Meta:
        ordering = ["code"]
        verbose_name = _("区")
        verbose_name_plural = _("区")

    def __str__(self):
        return self.name


class School(models.Model):
    """A compulsory-education school (中小学校)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="schools", verbose_name=_("区"))
    name = models.CharField(_("校名"), max_length=100)
    code = models.CharField(_("学校标识码"), max_length=20, unique=True)
    stage = models.CharField(_("学段"), max_length=12, choices=Stage.choices)
    boarding = models.BooleanField(_("寄宿制"), default=False)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id", "school": "id"}

    class Meta:
        ordering = ["district__code", "code"]
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        indexes = [models.Index(fields=["district", "stage"])]

    def __str__(self):
        return self.name

    @property
    def grades(self) -> range:
        return {
            Stage.PRIMARY: range(1, 7),
            Stage.JUNIOR: range(7, 10),
        }.get(self.stage, range(1, 10))


class SchoolClass(models.Model):
    """A class (班级) of a school in an academic year."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="classes", verbose_name=_("学校"))
    academic_year = models.PositiveSmallIntegerField(_("学年（起始年份）"), help_text=_("2026 表示 2026–2027 学年"))
    grade = models.PositiveSmallIntegerField(_("年级"))
    name = models.CharField(_("班级名称"), max_length=40)
    headcount = models.PositiveSmallIntegerField(_("学生人数"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "school__district_id", "school": "school_id"}

    class Meta:
        ordering = ["school", "grade", "name"]
        verbose_name = _("班级")
        verbose_name_plural = _("班级")
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__gte=1, grade__lte=9),
                name="schoolclass_grade_1_9",
                violation_error_message=_("年级必须在 1 到 9 之间"),
            ),
            models.UniqueConstraint(
                fields=["school", "academic_year", "grade", "name"],
                name="schoolclass_unique_name",
                violation_error_message=_("该校本学年已有同名班级"),
            ),
        ]

    def __str__(self):
        return f"{self.school.name} {self.name}"

    @property
    def grade_band(self) -> str:
        return grade_band(self.grade)


class SchoolTeacher(models.Model):
    """A teacher on a school's roster (教师名册), with their serving status (在职 / 离职 / 退休).

    A teacher is serving on a day when their status is serving, or when they left or retired after that day
    (``left_on`` is the first day they no longer serve).
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="teachers", verbose_name=_("学校"))
    name = models.CharField(_("姓名"), max_length=40)
    certificate_no = models.CharField(_("教师资格证号"), max_length=30, blank=True, db_index=True)
    status = models.CharField(_("任职状态"), max_length=8, choices=TeacherStatus.choices, default=TeacherStatus.SERVING)
    left_on = models.DateField(
        _("离职或退休日期"), null=True, blank=True, help_text=_("不再在校任教的第一天；在职教师留空")
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "school__district_id", "school": "school_id"}

    class Meta:
        ordering = ["school", "name"]
        verbose_name = _("教师")
        verbose_name_plural = _("教师")
        constraints = [
            models.CheckConstraint(
                condition=Q(status=TeacherStatus.SERVING, left_on__isnull=True)
                | (Q(status__in=[TeacherStatus.LEFT, TeacherStatus.RETIRED]) & Q(left_on__isnull=False)),
                name="schoolteacher_left_on_matches_status",
                violation_error_message=_("离职或退休须填写离职或退休日期；在职教师不填"),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.status == TeacherStatus.SERVING and self.left_on is not None:
            raise ValidationError({"left_on": _("在职教师不填离职或退休日期")})
        if self.status != TeacherStatus.SERVING and self.left_on is None:
            raise ValidationError({"left_on": _("离职或退休须填写日期")})

    @classmethod
    def serving_on(cls, day, prefix: str = "") -> Q:
        """Teachers serving on ``day``: status serving, or left or retired after it (``prefix`` leads to a teacher)."""
        return Q(**{f"{prefix}status": TeacherStatus.SERVING}) | Q(**{f"{prefix}left_on__gt": day})


class DatedPeriod(models.Model):
    """A span of days from ``starts_on`` to ``ends_on``, both included (a term, a vacation).

    The database refuses an end before the start (a check constraint named after the model, so each table keeps
    its own); ``clean`` says the same at the end date's field in a form.
    """

    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))

    class Meta:
        abstract = True
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="%(class)s_ends_after_start",
                violation_error_message=_("结束日期不能早于开始日期"),
            ),
        ]

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("结束日期不能早于开始日期")})


class Term(DatedPeriod):
    """An academic-year term (学期), set by city staff; a district row overrides the city's."""

    academic_year = models.PositiveSmallIntegerField(_("学年（起始年份）"))
    name = models.CharField(_("学期"), max_length=10, choices=TermName.choices)
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("区（空为全市）")
    )

    class Meta(DatedPeriod.Meta):
        verbose_name = _("学期")
        verbose_name_plural = _("学期")
        constraints = [
            *DatedPeriod.Meta.constraints,
            models.UniqueConstraint(
                fields=["academic_year", "name", "district"],
                name="term_unique_per_district",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return f"{self.academic_year} {self.get_name_display()}"


class Vacation(DatedPeriod):
    """A winter or summer vacation (寒暑假); a district row replaces the city's of the same year and kind."""

    academic_year = models.PositiveSmallIntegerField(_("学年（起始年份）"))
    kind = models.CharField(_("假期"), max_length=10, choices=VacationKind.choices)
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("区（空为全市）")
    )

    class Meta(DatedPeriod.Meta):
        verbose_name = _("寒暑假")
        verbose_name_plural = _("寒暑假")
        constraints = [
            *DatedPeriod.Meta.constraints,
            models.UniqueConstraint(
                fields=["academic_year", "kind", "district"],
                name="vacation_unique_per_district",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return f"{self.academic_year} {self.get_kind_display()}"


class StatutoryYear(models.Model):
    """A year whose statutory holidays city staff entered themselves (the package does not cover it yet).

    A year is known to the calendar when the package covers it or a row here exists;
    rows here also correct the package for a year it covers.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(
        _("依据"), max_length=200, help_text=_("例如：国务院办公厅关于2027年部分节假日安排的通知")
    )

    class Meta:
        ordering = ["year"]
        verbose_name = _("法定节假日年度")
        verbose_name_plural = _("法定节假日年度")

    def __str__(self):
        return str(self.year)


class StatutoryDay(models.Model):
    """A statutory holiday or a make-up working day (调休上班日) entered by city staff."""

    year = models.ForeignKey(StatutoryYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=StatutoryDayKind.choices)
    name = models.CharField(_("名称"), max_length=40, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("法定节假日/调休日")
        verbose_name_plural = _("法定节假日/调休日")

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"
