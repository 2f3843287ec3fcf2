"""The district-grain summary tables agree with the finer tables they sum, whatever wrote them.

The homework and after-school roll-ups are rebuilt with the class-days and school-days by ``stats_refresh``; the
findings' counts per district, day, rule and status are kept by the database's triggers in the writing transaction
(the engine's upserts, status changes one at a time and in bulk, deletions). ``summary_disagreements`` compares
every table with its finer one in a single query.
"""

import datetime as dt
import math

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.models import Finding
from compliance.services import run_create, run_execute_sync
from compliance.services.findings import finding_set_status, findings_set_status_bulk
from dashboards.models import ClassDayStat, FindingDayStat
from dashboards.selectors import Filters, city_dashboard, findings_section, homework_section, summary_disagreements
from dashboards.services import stats_refresh
from homework.services import homework_file
from tests import clock
from tests import factories as f
from tests.periods.conftest import item  # a filing row of 2026-11-10 (TUE)

from . import factories as df

pytestmark = pytest.mark.django_db

TUE = dt.date(2026, 11, 10)
WED = TUE + dt.timedelta(days=1)
AFTER_CLOSE = clock.local(WED + dt.timedelta(days=2), 9, 0)  # Friday: both days closed


def sweep(days, codes=("110101", "110102")):
    run = run_create(date_from=days[0], date_to=days[-1], district_codes=list(codes))
    run_execute_sync(run=run)
    return run


def test_the_tables_agree_after_a_day_of_filings_refilings_corrections_and_a_sweep(
    as_user, school_user, district_user, district1, district2, school_a, school_b
):
    g4 = f.SchoolClassFactory(school=school_a, grade=4, name="四年级1班")
    g8 = f.SchoolClassFactory(school=school_a, grade=8, name="八年级1班")
    b4 = f.SchoolClassFactory(school=school_b, grade=4, name="四年级2班")
    with clock.on_day(TUE):
        homework_file(user=school_user, items=[item(g4, minutes=70), item(g8, subject="physics", minutes=30)])
        # a re-filing of the same class and subject replaces the first rows: 70 becomes 30, Chinese added
        homework_file(user=school_user, items=[item(g4, minutes=30), item(g4, subject="chinese", minutes=25)])
        df.report(school_a, TUE)
    with clock.on_day(WED):
        homework_file(user=school_user, items=[item(g4, day=WED, minutes=90)])  # over grade 4's 60
        df.report(school_a, WED, end=dt.time(17, 0))
    df.homework_day(b4, TUE, items=[("maths", "written", 100, True)])  # school B: over the limit
    with clock.at(AFTER_CLOSE):
        sweep([TUE, WED])
        stats_refresh(district_ids=None, date_from=TUE, date_to=WED)
        assert summary_disagreements() == []
        # the school asks to correct Wednesday's 90 minutes to 40; the district approves; the sweep it asks for
        # clears the finding
        resp = as_user(school_user).post(
            "/api/v1/periods/corrections/",
            {
                "date": WED.isoformat(),
                "school_classes": [g4.pk],
                "reason": "时长录错",
                "items": [item(g4, day=WED, minutes=40)],
            },
            format="json",
        )
        assert resp.status_code == 201, resp.content
        approve = as_user(district_user).post(
            f"/api/v1/periods/corrections/{resp.json()['id']}/approve/", {}, format="json"
        )
        assert approve.status_code == 200, approve.content
        sweep([TUE, WED])
        stats_refresh(district_ids=None, date_from=TUE, date_to=WED)
    findings = Finding.objects.filter(rule_id="HW-5-G36")
    assert set(findings.values_list("school_class_id", "period_start", "status")) == {
        (g4.pk, WED, "cleared"),
        (b4.pk, TUE, "open"),
    }
    assert summary_disagreements() == []
    # and the district dashboards read the same counts the findings table holds
    section = findings_section([district1.pk, district2.pk], Filters(TUE, WED), district_user)
    rules = {r["rule_id"]: r for r in section[district1.pk]["by_rule"]}
    assert rules["HW-5-G36"]["cleared"] == 1 and rules["HW-5-G36"]["open"] == 0


@pytest.fixture
def findings(district1, district2, school_a, school_b):
    """Five HW-5-G36 findings of Tuesday in 110101 first seen at 08:00..12:00, one of Wednesday, one undated
    registration finding, and one in 110102."""
    out = [
        df.finding("HW-5-G36", district1, day=TUE, school=school_a, first_seen=clock.local(WED, 8 + i, 0))
        for i in range(5)
    ]
    out.append(df.finding("HW-5-G36", district1, day=WED, school=school_a))
    out.append(df.finding("SC-REG", district1, school=school_a))
    out.append(df.finding("HW-5-G36", district2, day=TUE, school=school_b))
    return out


def stat(district, day, status="open", rule_id="HW-5-G36"):
    return FindingDayStat.objects.filter(district=district, date=day, rule_id=rule_id, status=status).first()


def test_every_kind_of_write_to_the_findings_is_counted_at_once(findings, district1, district2, district_user):
    tue = stat(district1, TUE)
    assert (tue.findings, timezone.localtime(tue.first_seen_min).hour) == (5, 8)
    assert stat(district1, None, rule_id="SC-REG").findings == 1
    assert stat(district2, TUE).findings == 1
    # the oldest one rectified: the group's earliest is read again, the time to rectify is added to "rectified"
    with clock.at(clock.local(WED, 20, 0)):
        finding_set_status(finding=findings[0], status="rectifying", actor=district_user, reason="整改中")
        finding_set_status(finding=findings[0], status="rectified", actor=district_user, reason="已整改")
    tue = stat(district1, TUE)
    assert (tue.findings, timezone.localtime(tue.first_seen_min).hour) == (4, 9)
    rectified = stat(district1, TUE, "rectified")
    assert rectified.findings == 1 and abs(rectified.rectify_total - dt.timedelta(hours=12)) < dt.timedelta(seconds=1)
    # a bulk move (one UPDATE of many rows), a plain queryset update, a move of a finding to another day
    findings_set_status_bulk(
        user=district_user, finding_ids=[x.pk for x in findings[1:3]], status="dismissed", reason="核实无误"
    )
    Finding.objects.filter(pk=findings[3].pk).update(status="notified")
    Finding.objects.filter(pk=findings[4].pk).update(period_start=WED)
    # an update that touches no counted column (what a sweep does to ``last_seen``) changes nothing
    with CaptureQueriesContext(connection):
        Finding.objects.filter(district=district1).update(last_seen=timezone.now())
    findings[5].delete()
    assert stat(district1, TUE).findings == 0 and stat(district1, TUE).first_seen_min is None
    assert stat(district1, TUE, "dismissed").findings == 2
    assert stat(district1, TUE, "notified").findings == 1
    assert stat(district1, WED).findings == 1  # the moved one; Wednesday's own was deleted
    assert summary_disagreements() == []
    total = FindingDayStat.objects.aggregate(n=Sum("findings"))["n"]
    assert total == Finding.objects.count() == 7


def test_a_finding_saved_through_the_engine_upsert_is_counted_once(school_user, district1, school_a):
    g4 = f.SchoolClassFactory(school=school_a, grade=4, name="四年级1班")
    with clock.on_day(TUE):
        homework_file(user=school_user, items=[item(g4, minutes=80)])
    with clock.at(AFTER_CLOSE):
        sweep([TUE], codes=["110101"])
        sweep([TUE], codes=["110101"])  # the same violation again: an ON CONFLICT update, not a second finding
    assert stat(district1, TUE).findings == 1
    assert summary_disagreements() == []


def test_the_city_dashboard_reads_the_findings_counts_without_scanning_the_findings(findings, city_user):
    with CaptureQueriesContext(connection) as queries:
        data = city_dashboard(filters=Filters(TUE, WED), user=city_user)
    assert data["findings"]["open"] == 8
    assert not [q for q in queries.captured_queries if '"compliance_finding"' in q["sql"]]


def p90_from_class_days(district, band, date_from, date_to):
    """The nearest-rank 90th percentile of a district's filed class-days of a band, counted from the class-days."""
    minutes = sorted(
        ClassDayStat.objects.filter(
            district=district, grade_band=band, filed=1, date__range=(date_from, date_to)
        ).values_list("written_minutes", flat=True)
    )
    return minutes[math.ceil(0.9 * len(minutes)) - 1] if minutes else None


def test_any_range_reads_its_percentile_from_two_running_rows_even_after_an_earlier_day_changes(
    filings, district1, district2
):
    from homework.models import HomeworkItem

    from .conftest import DAYS

    mon, tue, wed, thu, fri = DAYS
    stats_refresh(district_ids=None, date_from=mon, date_to=fri)
    ranges = [(mon, fri), (tue, wed), (wed, wed), (thu, fri + dt.timedelta(days=9)), (mon - dt.timedelta(days=9), mon)]

    def figures():
        out = {}
        for date_from, date_to in ranges:
            section = homework_section([district1.pk, district2.pk], Filters(date_from, date_to))
            for district in (district1, district2):
                for band in section[district.pk]["bands"]:
                    out[(date_from, district.code, band["grade_band"])] = band["p90_minutes"]
        return out

    expected = {
        (date_from, d.code, band): p90_from_class_days(d, band, date_from, date_to)
        for date_from, date_to in ranges
        for d in (district1, district2)
        for band in ("G12", "G36", "G79")
    }
    assert figures() == expected
    assert expected[(mon, "110101", "G36")] == 70  # grade 4: 50, 70, 55 (the survey): the nearest rank is 70
    assert expected[(wed, "110101", "G36")] == 55
    # Monday's grade-4 maths grows from 30 to 80 minutes; refreshing Monday alone rebuilds the later running rows
    HomeworkItem.objects.filter(school_class=filings["g4"], date=mon, subject="maths").update(minutes=80)
    stats_refresh(district_ids=[district1.pk], date_from=mon, date_to=mon)
    assert summary_disagreements() == []
    expected = {
        (date_from, d.code, band): p90_from_class_days(d, band, date_from, date_to)
        for date_from, date_to in ranges
        for d in (district1, district2)
        for band in ("G12", "G36", "G79")
    }
    assert expected[(mon, "110101", "G36")] == 100  # 100, 70, 55
    assert expected[(tue, "110101", "G36")] == 70  # the later days' own figures are unchanged
    assert figures() == expected


def district_rows(district):
    """The district-grain rows of a district, as a full rebuild or a refresh of some schools left them."""
    from dashboards.models import AfterschoolDayStat, HomeworkDayStat, HomeworkMinutes, HomeworkMinutesToDate

    fields = {
        HomeworkDayStat: (
            "stage",
            "grade_band",
            "date",
            "expected",
            "filed",
            "on_time",
            "within_limit",
            "minutes_total",
        ),
        HomeworkMinutes: ("stage", "grade_band", "date", "minutes", "class_days"),
        HomeworkMinutesToDate: ("grade_band", "date", "at_most"),
        AfterschoolDayStat: ("stage", "date", "expected", "reported", "enrolled", "participants", "ended_after_min"),
    }
    return {
        model.__name__: sorted(model.objects.filter(district=district).values_list(*names), key=str)
        for model, names in fields.items()
    }


def row_versions(school):
    """Each class-day row of a school with the transaction that last wrote it: a rewritten row has a new one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, xmin::text FROM dashboards_classdaystat WHERE school_id = %s ORDER BY id", [school.pk]
        )
        return cursor.fetchall()


def test_a_filings_sweep_rewrites_only_its_schools_rows_and_leaves_what_a_full_rebuild_would(
    school_user, district1, school_a, django_capture_on_commit_callbacks
):
    from compliance.models import RuleParameter
    from homework.models import HomeworkItem
    from schools.models import SchoolClass

    neighbour = f.SchoolFactory(district=district1, name="东城区测试小学C")
    g4 = f.SchoolClassFactory(school=school_a, grade=4, name="四年级1班")
    g8 = f.SchoolClassFactory(school=school_a, grade=8, name="八年级1班")
    n4 = f.SchoolClassFactory(school=neighbour, grade=4, name="四年级3班")
    df.homework_day(n4, TUE, items=[("maths", "written", 45, True)])
    df.homework_day(n4, WED, items=[("maths", "written", 75, True)])
    df.report(neighbour, TUE)
    with clock.on_day(TUE):
        homework_file(user=school_user, items=[item(g4, minutes=70), item(g8, subject="physics", minutes=30)])
    with clock.at(AFTER_CLOSE):
        stats_refresh(district_ids=[district1.pk], date_from=TUE, date_to=WED)
        neighbours_rows = row_versions(neighbour)
        # school A re-files Tuesday with fewer minutes (a class-day moves from 70 to 40 minutes), files Wednesday,
        # reports its after-school service, and its grade-8 class turns out to be grade 5 (the district's only
        # grade 7-9 class: that band's groups empty): only its own rows are rebuilt
        HomeworkItem.objects.filter(school_class=g4, date=TUE).update(minutes=40)
        df.homework_day(g4, WED, items=[("chinese", "written", 20, True)])
        df.report(school_a, WED)
        SchoolClass.objects.filter(pk=g8.pk).update(grade=5)
        stats_refresh(district_ids=[district1.pk], date_from=TUE, date_to=WED, school_ids=[school_a.pk])
        assert row_versions(neighbour) == neighbours_rows
        assert summary_disagreements() == []
        assert ClassDayStat.objects.get(school_class=g4, date=TUE).written_minutes == 40
        refreshed = district_rows(district1)
        assert not [r for r in refreshed["HomeworkDayStat"] if r[1] == "G79"]
        section = homework_section([district1.pk], Filters(TUE, WED))[district1.pk]
        stats_refresh(district_ids=[district1.pk], date_from=TUE, date_to=WED)  # everything, from nothing
        assert district_rows(district1) == refreshed
        assert homework_section([district1.pk], Filters(TUE, WED))[district1.pk] == section
        # a limit changed for these days: the stored school days no longer hold, so a refresh of one school
        # rebuilds the whole district, and the neighbour's 45 minutes count against the new limit
        RuleParameter.objects.create(key="hw_max_minutes_g36", value=40, effective_from=TUE, source="test")
        neighbours_rows = row_versions(neighbour)
        stats_refresh(district_ids=[district1.pk], date_from=TUE, date_to=WED, school_ids=[school_a.pk])
        assert row_versions(neighbour) != neighbours_rows
        assert ClassDayStat.objects.get(school_class=n4, date=TUE).within_limit == 0
        assert summary_disagreements() == []


def test_a_deleted_class_takes_its_rows_out_of_its_districts_sums(
    district1, school_a, django_capture_on_commit_callbacks
):
    g4 = f.SchoolClassFactory(school=school_a, grade=4, name="四年级1班")
    g5 = f.SchoolClassFactory(school=school_a, grade=5, name="五年级1班")  # never filed: nothing protects it
    df.homework_day(g4, TUE, items=[("maths", "written", 45, True)])
    with clock.at(AFTER_CLOSE):
        stats_refresh(district_ids=[district1.pk], date_from=TUE, date_to=WED)
        assert g36_expected(district1) == 4  # two classes, two days
        with django_capture_on_commit_callbacks(execute=True):
            g5.delete()
        assert summary_disagreements() == []
        assert g36_expected(district1) == 2


def g36_expected(district):
    bands = homework_section([district.pk], Filters(TUE, WED))[district.pk]["bands"]
    return next(b["expected"] for b in bands if b["grade_band"] == "G36")
