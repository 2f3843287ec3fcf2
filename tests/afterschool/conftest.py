"""Fixtures of the after-school tests: a report payload, a term, and a way to run one rule."""

import datetime as dt

import pytest

from afterschool.models import DailyReport
from compliance import registry
from compliance.parameters import parameter_segments
from schools.models import Term

MONDAY = dt.date(2026, 11, 9)
MAKEUP_SATURDAY = dt.date(2026, 10, 10)  # 调休上班日: a school day
NATIONAL_DAY = dt.date(2026, 10, 1)  # a statutory holiday on a Thursday
WINTER_VACATION_MONDAY = dt.date(2026, 1, 26)


def payload(school, day=MONDAY, **overrides):
    data = {
        "school": school.pk,
        "date": day.isoformat(),
        "pe_minutes": 45,
        "stage1_minutes": 15,
        "end_time": "17:30",
        "enrolled": 300,
        "participants": 280,
        "new_lessons": False,
        "compulsory": False,
        "extended_care": True,
    }
    data.update(overrides)
    return data


def make_report(school, day=MONDAY, **overrides):
    values = {
        "pe_minutes": 45,
        "stage1_minutes": 15,
        "end_time": dt.time(17, 30),
        "enrolled": 300,
        "participants": 280,
        "new_lessons": False,
        "compulsory": False,
        "extended_care": True,
    }
    # filed at 18:00 Beijing time on the day itself, unless a test says otherwise
    filed = dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)
    values.update({"filed_at": filed, "first_filed_at": filed})
    values.update(overrides)
    return DailyReport.objects.create(school=school, date=day, **values)


def run_rule(rule_id, district, date_from, date_to=None, school_ids=None):
    """The violations one rule finds, split by parameter segments as the engine does."""
    rule = registry.get_rule(rule_id)
    out = []
    for seg_from, seg_to, params in parameter_segments(rule.params, date_from, date_to or date_from):
        ctx = registry.SweepContext(
            rule=rule, districts=(district,), date_from=seg_from, date_to=seg_to, params=params, school_ids=school_ids
        )
        out.extend(rule.func(ctx))
    return out


@pytest.fixture
def autumn_2026(db):
    return Term.objects.get(academic_year=2026, name="autumn", district__isnull=True)
