"""The dashboard's "within the written-minute limit" is the HW-5 rules' answer on the same data.

Both come from ``homework.limits``: the rules check the limits with the ORM, the summary SQL counts the class-days
within them. On a small generated data set (every grade, written items at home and in school, surveys that
measure more or less than estimated, minutes on both sides of each limit), a filed class-day is within its limit
exactly when no HW-5 rule found it over; and when the band table changes, both follow it.
"""

import datetime as dt
import random
from collections import Counter

import pytest

from compliance.choices import ACTIVE_STATUSES
from compliance.models import Finding
from compliance.services import run_create, run_execute_sync
from dashboards.models import ClassDayStat, HomeworkDayStat
from dashboards.services import stats_refresh
from homework.limits import MINUTE_LIMITS
from schools.choices import GRADE_BANDS, GradeBand
from tests import factories as f

from . import factories as df

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 11, 9), dt.date(2026, 11, 11)
HW5 = [limit.rule_id for limit in MINUTE_LIMITS]


@pytest.fixture
def seeded(school_a, school_b):
    """Two schools, a class of every grade in each, three school days of filings (seeded, so reproducible)."""
    rng = random.Random(5)
    days = [START + dt.timedelta(days=i) for i in range((END - START).days + 1)]
    for school in (school_a, school_b):
        for grade in range(1, 10):
            klass = f.SchoolClassFactory(school=school, grade=grade, name=f"{grade}年级1班")
            for day in days:
                if rng.random() < 0.1:
                    continue  # not filed
                items = [
                    (subject, "written", rng.choice([0, 10, 20, 30, 40, 45, 50]), rng.random() < 0.6)
                    for subject in ("chinese", "maths", "english")
                    if rng.random() < 0.8
                ]
                items.append(("science", "oral", 20, True))
                df.homework_day(klass, day, items=items)
                written = [i for i in items if i[1] == "written"]
                if written and rng.random() < 0.4:
                    subject = written[0][0]
                    df.survey(klass, day, subject, "written", rng.choice([0, 15, 35, 70]))


def sweep_and_refresh():
    run_execute_sync(run=run_create(date_from=START, date_to=END, rule_ids=HW5))
    stats_refresh(date_from=START, date_to=END)


def over_limit_by_the_rules() -> set[tuple[int, dt.date]]:
    return set(
        Finding.objects.filter(rule_id__in=HW5, status__in=ACTIVE_STATUSES).values_list(
            "school_class_id", "period_start"
        )
    )


def over_limit_by_the_dashboard() -> set[tuple[int, dt.date]]:
    return set(ClassDayStat.objects.filter(filed=1, within_limit=0).values_list("school_class_id", "date"))


def assert_agree():
    by_rules, by_dashboard = over_limit_by_the_rules(), over_limit_by_the_dashboard()
    assert by_rules, "the data must have class-days over their limit for this test to mean anything"
    assert by_dashboard == by_rules
    # and the figures the dashboard draws: per district and band, within = filed - found over
    filed = Counter(ClassDayStat.objects.filter(filed=1).values_list("district_id", "grade_band"))
    over = Counter(
        (d, b) for d, b in ClassDayStat.objects.filter(filed=1, within_limit=0).values_list("district_id", "grade_band")
    )
    within = Counter()
    for row in HomeworkDayStat.objects.values("district_id", "grade_band", "within_limit"):
        within[(row["district_id"], row["grade_band"])] += row["within_limit"]
    assert within == Counter({key: filed[key] - over[key] for key in filed})


def test_within_limit_counts_agree_with_the_hw5_findings(seeded):
    sweep_and_refresh()
    assert_agree()
    bands = set(ClassDayStat.objects.values_list("grade_band", flat=True))
    assert bands == {GradeBand.G12, GradeBand.G36, GradeBand.G79}


def test_the_dashboard_follows_the_band_table_the_rules_use(seeded, monkeypatch):
    """Grade 6 moved to the 7–9 band (its limit 90 minutes): the rules and the dashboard both judge it so."""
    monkeypatch.setitem(GRADE_BANDS, GradeBand.G36, (3, 5))
    monkeypatch.setitem(GRADE_BANDS, GradeBand.G79, (6, 9))
    sweep_and_refresh()
    assert set(ClassDayStat.objects.filter(grade=6).values_list("grade_band", flat=True)) == {GradeBand.G79}
    assert_agree()
