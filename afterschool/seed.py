"""Demo programmes, activities, provider selections and daily reports for ``seed_demo`` (deterministic for a seed).

About ``violation_rate`` of the relevant rows break each rule: reports with too little exercise, an early end,
new lessons, compulsory participation, or missing altogether; programmes without extended care; activities
given to a subject-type or unselected institution.

The helpers below draw from the one random generator in a fixed order (provider selections, then programmes and
daily reports school by school, then the violation quota of programmes, then activities): changing the order of the
draws changes the data generated for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone

from institutions.choices import Category
from institutions.models import Institution
from schools.calendar import SchoolCalendar
from schools.models import School

from .choices import ActivityKind, ProviderKind
from .models import Activity, DailyReport, Programme, ProviderSelection
from .selectors import term_for

MENU = [
    ("篮球", ActivityKind.PE),
    ("足球", ActivityKind.PE),
    ("跳绳", ActivityKind.PE),
    ("作业辅导", ActivityKind.TUTORING),
    ("科学探究", ActivityKind.SCIENCE),
    ("合唱", ActivityKind.ARTS),
    ("书法", ActivityKind.ARTS),
    ("种植园", ActivityKind.LABOUR),
    ("经典诵读", ActivityKind.READING),
    ("机器人社团", ActivityKind.CLUB),
    ("围棋社团", ActivityKind.CLUB),
]


@dataclass
class _Run:
    """What the helpers of one ``seed`` call share: the random generator, the violation rate and the time zone."""

    rng: random.Random
    violation_rate: float
    tz: dt.tzinfo = field(default_factory=timezone.get_current_timezone)

    def breaks(self) -> bool:
        return self.rng.random() < self.violation_rate

    def quota(self, n: int) -> set[int]:
        """Exactly the set share of ``n`` rows (at least one when the share is not zero), for the few term rows."""
        k = min(n, max(1, round(self.violation_rate * n))) if self.violation_rate > 0 else 0
        return set(self.rng.sample(range(n), k))


def seed(*, rng, scale, violation_rate, date_from, date_to, log) -> None:
    schools = list(School.objects.order_by("code"))
    if not schools:
        log("afterschool: no schools, nothing to seed")
        return
    by_district: dict[int, list[School]] = {}
    for s in schools:
        by_district.setdefault(s.district_id, []).append(s)
    institutions: dict[int, list[Institution]] = {}
    for inst in Institution.objects.order_by("pk"):
        institutions.setdefault(inst.district_id, []).append(inst)

    run = _Run(rng=rng, violation_rate=violation_rate)
    selections, selected, unselected = _select_providers(run, institutions)
    programmes, reports = _create_programmes_and_reports(run, by_district, date_from, date_to)
    activities = _create_activities(run, schools, selected, unselected)
    log(
        f"afterschool: {len(selections)} provider selections, {len(programmes)} programmes, "
        f"{len(activities)} activities, {len(reports)} daily reports"
    )


def _select_providers(
    run: _Run, institutions: dict[int, list[Institution]]
) -> tuple[list[ProviderSelection], dict[int, list[Institution]], dict[int, list[Institution]]]:
    """About 70% of non-subject institutions selected by their district; the selections, selected and the rest."""
    selections = []
    selected: dict[int, list[Institution]] = {}
    unselected: dict[int, list[Institution]] = {}
    for district_id, insts in institutions.items():
        for inst in insts:
            if inst.category == Category.NON_SUBJECT and run.rng.random() < 0.7:
                selections.append(
                    ProviderSelection(
                        district_id=district_id,
                        institution=inst,
                        selected_on=dt.date(2026, 8, 15),
                        note="2026–2027学年课后服务遴选",
                    )
                )
                selected.setdefault(district_id, []).append(inst)
            else:
                unselected.setdefault(district_id, []).append(inst)
    ProviderSelection.objects.bulk_create(selections, ignore_conflicts=True)
    return selections, selected, unselected


def _create_programmes_and_reports(
    run: _Run, by_district: dict[int, list[School]], date_from: dt.date, date_to: dt.date
) -> tuple[list[Programme], list[DailyReport]]:
    """School by school: its programme for the term (if the district has one) and its daily reports in the span."""
    programmes, reports = [], []
    for district_id, district_schools in by_district.items():
        calendar = SchoolCalendar(district_id)
        term = term_for(district_id=district_id, on=date_from)
        days = calendar.school_days(date_from, date_to)
        for school in district_schools:
            if term is not None:
                programmes.append(
                    Programme(
                        school=school,
                        term=term,
                        extended_care=True,
                        evening_self_study=school.stage != "primary" and run.rng.random() < 0.3,
                        note="每周一至周五课后服务，第一阶段体育锻炼，第二阶段作业辅导与兴趣活动",
                    )
                )
            reports += _daily_reports(run, school, days)
    for i in run.quota(len(programmes)):
        programmes[i].extended_care = False  # AS-8-CARE
    Programme.objects.bulk_create(programmes, batch_size=2000, ignore_conflicts=True)
    DailyReport.objects.bulk_create(reports, batch_size=5000, ignore_conflicts=True)
    return programmes, reports


def _daily_reports(run: _Run, school: School, days: list[dt.date]) -> list[DailyReport]:
    """One report per school day, some missing (AS-REPORT-MISSING), around one enrolment figure for the school."""
    rng = run.rng
    enrolled_base = rng.randint(200, 1500)
    reports = []
    for day in days:
        if run.breaks():
            continue  # AS-REPORT-MISSING
        enrolled = max(0, enrolled_base + rng.randint(-20, 20))
        pe = rng.choice([0, 40, 45])
        stage1 = max(0, 60 - pe + rng.randint(0, 30))
        if run.breaks():
            stage1 = max(0, 60 - pe - rng.randint(1, 30))  # AS-8-PE
        end = dt.time(17, 30) if rng.random() < 0.6 else dt.time(18, rng.choice([0, 15, 30]))
        if run.breaks():
            end = dt.time(17, rng.choice([0, 10, 20, 29]))  # AS-8-END
        filed = dt.datetime.combine(day, dt.time(17, 45), tzinfo=run.tz) + dt.timedelta(minutes=rng.randint(0, 180))
        reports.append(
            DailyReport(
                school=school,
                date=day,
                filed_at=filed,
                first_filed_at=filed,
                pe_minutes=pe,
                stage1_minutes=stage1,
                end_time=end,
                enrolled=enrolled,
                participants=int(enrolled * rng.uniform(0.8, 1.0)),
                new_lessons=run.breaks(),
                compulsory=run.breaks(),
                extended_care=rng.random() < 0.5,
            )
        )
    return reports


def _create_activities(
    run: _Run,
    schools: list[School],
    selected: dict[int, list[Institution]],
    unselected: dict[int, list[Institution]],
) -> list[Activity]:
    """A menu of 3-5 activities for each programme without one yet (a second run adds nothing twice); in the
    quota of programmes whose district has unselected institutions, one activity goes to such an institution."""
    programmes = list(
        Programme.objects.filter(school__in=schools, activities__isnull=True).select_related("school").order_by("pk")
    )
    eligible = [i for i, p in enumerate(programmes) if unselected.get(p.school.district_id)]
    bad_programmes = {eligible[i] for i in run.quota(len(eligible))}
    activities = []
    for n, p in enumerate(programmes):
        activities += _menu(run, p, selected, unselected, bad=n in bad_programmes)
    Activity.objects.bulk_create(activities, batch_size=5000)
    return activities


def _menu(
    run: _Run,
    programme: Programme,
    selected: dict[int, list[Institution]],
    unselected: dict[int, list[Institution]],
    *,
    bad: bool,
) -> list[Activity]:
    """The programme's activities, mostly given by teachers or volunteers, some by a selected institution; when
    ``bad``, its first non-tutoring activity is given by an unselected institution (AS-10)."""
    rng = run.rng
    district_id = programme.school.district_id
    activities = []
    for name, kind in rng.sample(MENU, rng.randint(3, 5)):
        provider = rng.choice(
            [ProviderKind.SCHOOL_TEACHER] * 3 + [ProviderKind.RETIRED_TEACHER, ProviderKind.VOLUNTEER]
        )
        institution = None
        if kind != ActivityKind.TUTORING and selected.get(district_id) and rng.random() < 0.3:
            provider, institution = ProviderKind.INSTITUTION, rng.choice(selected[district_id])
        if bad and kind != ActivityKind.TUTORING:
            provider, institution = ProviderKind.INSTITUTION, rng.choice(unselected[district_id])  # AS-10
            bad = False
        activities.append(
            Activity(
                programme=programme,
                name=name,
                kind=kind,
                provider_kind=provider,
                institution=institution,
                provider_name="" if institution else rng.choice(["王老师", "李老师", "社区志愿者", "张老师"]),
            )
        )
    return activities
