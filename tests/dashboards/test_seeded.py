"""On the demo generator's data, every dashboard figure equals a direct count over the raw tables.

The direct counts below read the raw homework items, filing days, surveys,
reports, findings, institutions, prepayments and complaints row by row in
Python (no summary table), with the definitions in ``dashboards.selectors``.
"""

import datetime as dt
import math
from collections import defaultdict
from statistics import median

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from afterschool.models import DailyReport
from compliance.choices import ACTIVE_STATUSES
from compliance.models import Finding
from compliance.services import run_create, run_execute_sync
from homework.models import CompletionSurvey, HomeworkDay, HomeworkItem
from institutions.models import Institution, Prepayment
from schools.calendar import SchoolCalendar
from schools.models import District, School, SchoolClass

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 11, 9), dt.date(2026, 11, 20)
RANGE = {"date_from": START.isoformat(), "date_to": END.isoformat()}
TZ = timezone.get_default_timezone()


@pytest.fixture
def seeded(db):
    call_command("seed_demo", scale="small", seed=1)
    run = run_create(date_from=START, date_to=END)
    run_execute_sync(run=run)
    call_command("refresh_dashboards", date_from=START, date_to=END)


def band_of(grade):
    return "G12" if grade <= 2 else "G36" if grade <= 6 else "G79"


def p90(values):
    values = sorted(values)
    return values[math.ceil(0.9 * len(values)) - 1] if values else None


def direct_homework(district, stage="", grade_band=""):
    """Per band: expected, filed, on time, within limit, avg, p90 — from the raw filing tables."""
    days = SchoolCalendar(district).school_days(START, END)
    classes = SchoolClass.objects.filter(school__district=district, academic_year=2026).select_related("school")
    filed = {
        (d.school_class_id, d.date): d.first_filed_at
        for d in HomeworkDay.objects.filter(school__district=district, date__range=(START, END))
    }
    measured = {
        (s.school_class_id, s.date, s.subject, s.kind): s.measured_minutes
        for s in CompletionSurvey.objects.filter(school__district=district)
    }
    minutes, home = defaultdict(int), defaultdict(int)
    for i in HomeworkItem.objects.filter(school__district=district, date__range=(START, END), kind="written"):
        m = measured.get((i.school_class_id, i.date, i.subject, i.kind), i.minutes)
        minutes[(i.school_class_id, i.date)] += m
        if i.at_home:
            home[(i.school_class_id, i.date)] += m
    out = defaultdict(lambda: {"expected": 0, "filed": 0, "on_time": 0, "within_limit": 0, "minutes": []})
    for c in classes:
        band = band_of(c.grade)
        if (stage and c.school.stage != stage) or (grade_band and band != grade_band):
            continue
        for day in days:
            row = out[band]
            row["expected"] += 1
            key = (c.id, day)
            if key not in filed:
                continue
            row["filed"] += 1
            cutoff = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(20, 0)), TZ)
            row["on_time"] += filed[key] <= cutoff
            m = home[key] if band == "G12" else minutes[key]
            row["minutes"].append(m)
            row["within_limit"] += m <= {"G12": 0, "G36": 60, "G79": 90}[band]
    return out


def direct_afterschool(district):
    days = SchoolCalendar(district).school_days(START, END)
    schools = list(School.objects.filter(district=district))
    reports = {(r.school_id, r.date): r for r in DailyReport.objects.filter(school__district=district)}
    out = defaultdict(int)
    for s in schools:
        for day in days:
            out["expected"] += 1
            r = reports.get((s.id, day))
            if not r:
                continue
            out["reported"] += 1
            out["on_time"] += r.first_filed_at < timezone.make_aware(
                dt.datetime.combine(day + dt.timedelta(days=2), dt.time.min), TZ
            )
            out["enrolled"] += r.enrolled
            out["participants"] += r.participants
            out["ended"] += r.end_time >= dt.time(17, 30)
            out["exercise"] += r.pe_minutes + r.stage1_minutes
    return out


def check_homework(api_homework, direct):
    bands = {b["grade_band"]: b for b in api_homework["bands"]}
    total = {"expected": 0, "filed": 0, "on_time": 0}
    for band, d in direct.items():
        b = bands[band]
        assert (b["expected"], b["filed"], b["on_time"], b["within_limit"]) == (
            d["expected"],
            d["filed"],
            d["on_time"],
            d["within_limit"],
        ), band
        assert b["avg_minutes"] == (round(sum(d["minutes"]) / len(d["minutes"]), 1) if d["minutes"] else None)
        assert b["p90_minutes"] == p90(d["minutes"])
        for k in total:
            total[k] += d[k]
    assert {k: api_homework["filing"][k] for k in total} == total


def check_afterschool(api, d):
    assert (api["expected"], api["reported"], api["on_time"]) == (d["expected"], d["reported"], d["on_time"])
    assert (api["enrolled"], api["participants"], api["ended_after_1730"]) == (
        d["enrolled"],
        d["participants"],
        d["ended"],
    )
    assert api["avg_exercise_minutes"] == round(d["exercise"] / d["reported"], 1)


def test_district_dashboards_equal_direct_counts(seeded, as_user, city_user):
    client = as_user(city_user)
    districts = District.objects.filter(schools__isnull=False).distinct()
    assert districts.count() == 3
    checked_minutes = 0
    for district in districts:
        data = client.get(reverse("api:dashboard-district", args=[district.code]), RANGE).json()
        direct = direct_homework(district)
        check_homework(data["homework"], direct)
        checked_minutes += sum(len(d["minutes"]) for d in direct.values())
        check_afterschool(data["afterschool"], direct_afterschool(district))
        for stage in ("primary", "junior", "nine_year"):
            filtered = client.get(
                reverse("api:dashboard-district", args=[district.code]), {**RANGE, "stage": stage}
            ).json()
            check_homework(filtered["homework"], direct_homework(district, stage=stage))
        filtered = client.get(
            reverse("api:dashboard-district", args=[district.code]), {**RANGE, "grade_band": "G36"}
        ).json()
        check_homework(filtered["homework"], direct_homework(district, grade_band="G36"))

        # findings, institutions, prepayments, complaints: straight from their tables
        findings = [
            f
            for f in Finding.objects.filter(district=district)
            if f.period_start is None or START <= f.period_start <= END
        ]
        assert data["findings"]["open"] == sum(f.status in ACTIVE_STATUSES for f in findings)
        assert data["findings"]["cleared"] == sum(f.status in ("rectified", "cleared") for f in findings)
        by_rule = defaultdict(int)
        for f in findings:
            by_rule[f.rule_id] += f.status in ACTIVE_STATUSES
        assert {r["rule_id"]: r["open"] for r in data["findings"]["by_rule"]} == dict(by_rule)
        institutions = list(Institution.objects.filter(district=district))
        assert data["institutions"]["total"] == len(institutions)
        assert data["institutions"]["by_licence_status"] == {
            s: sum(i.licence_status == s for i in institutions) for s in {i.licence_status for i in institutions}
        }
        prepay = [
            p for p in Prepayment.objects.filter(course__institution__district=district) if START <= p.paid_on <= END
        ]
        assert data["institutions"]["prepayments"] == len(prepay)
        assert data["institutions"]["prepayments_over_limit"] == sum(
            p.months > 3 or p.class_hours > 60 or not p.supervised for p in prepay
        )
        check_complaints(data["complaints"], district)
    assert checked_minutes > 500  # the seed filed hundreds of class-days


def check_complaints(api, district):
    from complaints.models import Complaint

    today = timezone.localdate()
    rows = [c for c in Complaint.objects.filter(district=district) if START <= c.received_on <= END]
    assert api["received"] == len(rows)
    assert api["resolved"] == sum(c.resolved_at is not None for c in rows)
    assert api["overdue"] == sum(c.is_overdue(today) for c in rows)
    cal = SchoolCalendar(district)
    spans = [
        cal.working_days_between(c.received_on, timezone.localtime(c.resolved_at).date()) for c in rows if c.resolved_at
    ]
    assert api["median_working_days"] == (median(spans) if spans else None)


def test_city_dashboard_equals_the_sum_of_its_districts(seeded, as_user, city_user):
    client = as_user(city_user)
    city = client.get(reverse("api:dashboard-city"), RANGE).json()
    all_minutes = defaultdict(list)
    totals = defaultdict(lambda: defaultdict(int))
    for district in District.objects.filter(schools__isnull=False).distinct():
        for band, d in direct_homework(district).items():
            all_minutes[band] += d["minutes"]
            for k in ("expected", "filed", "on_time", "within_limit"):
                totals[band][k] += d[k]
        side = next(x for x in city["districts"] if x["code"] == district.code)
        check_homework(side["homework"], direct_homework(district))
    for b in city["homework"]["bands"]:
        band = b["grade_band"]
        assert (b["expected"], b["filed"], b["on_time"], b["within_limit"]) == tuple(
            totals[band][k] for k in ("expected", "filed", "on_time", "within_limit")
        )
        assert b["p90_minutes"] == p90(all_minutes[band])
