"""Classes of every grade band in school A (district 110101), one in school B, and a filing helper."""

import datetime as dt

import pytest

from compliance.models import Finding
from compliance.registry import get_rule
from compliance.services import sweep_rule_district
from homework.services import homework_file
from tests import clock
from tests import factories as f

SCHOOL_DAY = dt.date(2026, 11, 10)  # a Tuesday
MAKEUP_SATURDAY = dt.date(2026, 10, 10)  # 调休上班日 after National Day
HOLIDAY_MONDAY = dt.date(2026, 10, 5)  # National Day holiday
REST_SATURDAY = dt.date(2026, 11, 7)  # before SCHOOL_DAY: a rest day, not a future one, while SCHOOL_DAY is open
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
    """File as the school did: at the filing moment ``now`` when given, else at noon of each date filed (a day is
    open only until its deadline plus grace; the sweeps then run on today's clock)."""

    def do(*items, user=None, now=None, **kwargs):
        user = user or school_user
        if now is not None:
            with clock.at(now, tick=False):
                return homework_file(user=user, items=list(items), now=now, **kwargs)
        whole_day = kwargs.get("whole_day")
        days = sorted({i["date"] for i in items}) or [whole_day[1].isoformat()]
        result = None
        for day in days:
            with clock.on_day(dt.date.fromisoformat(day)):
                result = homework_file(user=user, items=[i for i in items if i["date"] == day], **kwargs)
        return result

    return do


def sweep(rule_id, district, date_from, date_to=None):
    """Run one rule over a district and return its active findings."""
    sweep_rule_district(rule=get_rule(rule_id), district=district, date_from=date_from, date_to=date_to or date_from)
    return list(
        Finding.objects.filter(
            rule_id=rule_id, status="open", period_start__gte=date_from, period_start__lte=date_to or date_from
        ).order_by("period_start", "school_class_id")
    )
