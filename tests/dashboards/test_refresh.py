"""The summary tables: rebuilt set-based, idempotent, following re-filings, dated parameters and compliance runs."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from compliance.models import RuleParameter
from compliance.services import run_create
from dashboards import tasks
from dashboards.models import ClassDayStat, HomeworkDayStat, HomeworkMinutes, SchoolDay, SchoolDayStat
from dashboards.services import stats_refresh
from homework.models import HomeworkDay, HomeworkItem

from . import factories as df
from .conftest import DAYS

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        sorted(
            ClassDayStat.objects.values_list(
                "school_class_id", "date", "filed", "on_time", "written_minutes", "within_limit"
            )
        ),
        sorted(
            HomeworkDayStat.objects.values_list(
                "district_id", "grade_band", "date", "expected", "filed", "minutes_total"
            )
        ),
        sorted(HomeworkMinutes.objects.values_list("district_id", "grade_band", "date", "minutes", "class_days")),
        sorted(SchoolDayStat.objects.values_list("school_id", "date", "reported", "on_time", "ended_after_min")),
    )


def test_refresh_is_idempotent_and_counts_class_days(filings, district1, district2):
    counts = stats_refresh(district_ids=[district1.pk, district2.pk], date_from=DAYS[0], date_to=DAYS[-1])
    assert counts.school_days == 10 and counts.class_days == 20 and counts.school_day_reports == 5
    first = snapshot()
    stats_refresh(district_ids=[district1.pk, district2.pk], date_from=DAYS[0], date_to=DAYS[-1])
    assert snapshot() == first
    assert ClassDayStat.objects.count() == 20


def test_refresh_of_one_district_and_day_leaves_the_rest(filings, district1, district2):
    stats_refresh(district_ids=None, date_from=DAYS[0], date_to=DAYS[-1])
    g4 = filings["g4"]
    HomeworkDay.objects.create(
        school_class=g4,
        school=g4.school,
        date=DAYS[3],
        first_filed_at=df.at(DAYS[3], 19),
        last_filed_at=df.at(DAYS[3], 19),
    )
    HomeworkItem.objects.create(
        school_class=g4,
        school=g4.school,
        date=DAYS[3],
        subject="maths",
        kind="written",
        minutes=65,
        filed_at=df.at(DAYS[3], 19),
    )
    stats_refresh(district_ids=[district1.pk], date_from=DAYS[3], date_to=DAYS[3])
    row = ClassDayStat.objects.get(school_class=g4, date=DAYS[3])
    assert (row.filed, row.on_time, row.written_minutes, row.within_limit) == (1, 1, 65, 0)
    assert ClassDayStat.objects.filter(district=district2).count() == 5  # untouched
    assert ClassDayStat.objects.filter(district=district1).count() == 15


def test_a_dated_parameter_change_applies_from_its_date(filings, district1):
    RuleParameter.objects.create(key="hw_max_minutes_g36", value=45, effective_from=DAYS[2], source="测试")
    stats_refresh(district_ids=[district1.pk], date_from=DAYS[0], date_to=DAYS[-1])
    g4 = filings["g4"]
    rows = dict(ClassDayStat.objects.filter(school_class=g4).values_list("date", "within_limit"))
    assert rows[DAYS[0]] == 1  # 50 minutes under the old limit of 60
    assert rows[DAYS[2]] == 0  # 55 minutes over the new limit of 45
    assert SchoolDay.objects.get(district=district1, date=DAYS[2]).limit_g36 == 45


def test_days_after_today_and_non_school_days_are_not_expected(school_a, district1):
    from django.utils import timezone

    today = timezone.localdate()
    stats_refresh(district_ids=[district1.pk], date_from=dt.date(2026, 10, 1), date_to=today + dt.timedelta(days=30))
    days = set(SchoolDay.objects.filter(district=district1).values_list("date", flat=True))
    assert max(days) <= today
    assert dt.date(2026, 10, 1) not in days  # National Day
    assert dt.date(2026, 10, 10) in days  # a make-up working day (Saturday)


def test_task_after_a_compliance_run_refreshes_its_scope(filings, district1):
    run = run_create(date_from=DAYS[0], date_to=DAYS[-1], district_codes=["110101"], rule_ids=["HW-5-G36"])
    assert tasks.refresh_after_run.delay(run.pk).get() == 15
    assert set(ClassDayStat.objects.values_list("district_id", flat=True)) == {district1.pk}


def test_refresh_task_and_command(filings, district1):
    assert tasks.refresh_stats.delay([district1.pk], DAYS[0].isoformat(), DAYS[-1].isoformat()).get() == 15
    call_command("refresh_dashboards", date_from=DAYS[0], date_to=DAYS[-1], district=["110102"])
    assert ClassDayStat.objects.filter(district__code="110102").count() == 5
    with pytest.raises(CommandError):
        call_command("refresh_dashboards", district=["999999"])
    assert "dashboards-nightly-refresh" in tasks.beat_schedule()


def test_a_run_is_refreshed_once_per_state_of_its_parts(
    filings, district1, district2, django_capture_on_commit_callbacks
):
    from compliance.services import run_execute_sync

    run = run_create(date_from=DAYS[0], date_to=DAYS[-1], district_codes=["110102"], rule_ids=["HW-5-G36"])
    with django_capture_on_commit_callbacks() as callbacks:
        run_execute_sync(run=run)
    assert not ClassDayStat.objects.exists()  # nothing is refreshed before the run's finish commits
    for callback in callbacks:
        callback()
    assert set(ClassDayStat.objects.values_list("district_id", flat=True)) == {district2.pk}
    # reported finished again (its parts counted again) with no part finished since: no second refresh
    assert tasks.refresh_after_run.delay(run.pk).get() == 0
    assert "dashboards-refresh-after-runs" not in tasks.beat_schedule()  # no polling of finished runs


def test_a_run_of_complaint_rules_only_drops_the_cached_dashboards(filings, district1):

    from dashboards.caching import stats_version

    before = stats_version(district1.pk)
    run = run_create(
        date_from=DAYS[0], date_to=DAYS[-1], district_codes=["110101"], rule_ids=["CP-18-ACCEPT", "CP-18-RESOLVE"]
    )
    assert tasks.refresh_after_run.delay(run.pk).get() == 0
    assert not ClassDayStat.objects.exists()  # complaints are not in the summary tables
    assert stats_version(district1.pk) != before  # that district's (and the city's) cached dashboards dropped
