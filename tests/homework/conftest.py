"""Classes of every grade band in school A (district 110101), one in school B, and a filing helper."""

import datetime as dt

import pytest

from compliance.models import Finding
from compliance.registry import get_rule
from compliance.services import sweep_rule_district
from homework.services import homework_file
from tests import factories as f

SCHOOL_DAY = dt.date(2026, 11, 10)  # a Tuesday
MAKEUP_SATURDAY = dt.date(2026, 10, 10)  # 调休上班日 after National Day
HOLIDAY_MONDAY = dt.date(2026, 10, 5)  # National Day holiday
REST_SATURDAY = dt.date(2026, 11, 14)
VACATION_MONDAY = dt.date(2026, 2, 2)  # winter vacation of academic year 2025


@pytest.fixture
def g1(school_a):
    return f.SchoolClassFactory(school=school_a, grade=1, name="一年级1班")


@pytest.fixture
def g4(school_a):
    return f.SchoolClassFactory(school=school_a, grade=4, name="四年级1班")


@pytest.fixture
def g8(school_a):
    return f.SchoolClassFactory(school=school_a, grade=8, name="八年级1班")


@pytest.fixture
def other_class(school_b):
    return f.SchoolClassFactory(school=school_b, grade=4, name="四年级2班")


def item(school_class, day=SCHOOL_DAY, subject="maths", kind="written", minutes=20, **flags):
    return {
        "school_class": school_class.pk,
        "date": day.isoformat(),
        "subject": subject,
        "kind": kind,
        "minutes": minutes,
        **flags,
    }


@pytest.fixture
def file_items(school_user):
    def do(*items, user=None, **kwargs):
        return homework_file(user=user or school_user, items=list(items), **kwargs)

    return do


def sweep(rule_id, district, date_from, date_to=None):
    """Run one rule over a district and return its active findings."""
    sweep_rule_district(rule=get_rule(rule_id), district=district, date_from=date_from, date_to=date_to or date_from)
    return list(
        Finding.objects.filter(
            rule_id=rule_id, status="open", period_start__gte=date_from, period_start__lte=date_to or date_from
        ).order_by("period_start", "school_class_id")
    )
