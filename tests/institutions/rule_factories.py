"""Factories and helpers for the institution rule tests: build registry data, run one rule, read its findings.

The factories extend those of ``factories``, with the defaults the rule tests start from: a record that keeps
every rule (a certified, disclosed trainer with a photo; a supervised prepayment; a session at 18:00 on a school
day, its site the course's institution's).
"""

import datetime as dt
from decimal import Decimal

import factory

from compliance.choices import ACTIVE_STATUSES
from compliance.models import Finding
from compliance.registry import get_rule
from compliance.services import sweep_rule_district
from institutions.models import Disclosure, EnrolmentFiling

from .factories import (
    BJ,
    CourseFactory,
    ForeignStaffFactory,
    PrepaymentFactory,
    SessionFactory,
    SiteFactory,
    TrainerFactory,
)


def at(day: dt.date | str, hhmm: str) -> dt.datetime:
    """A Beijing-time moment."""
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=BJ)


class RuleSiteFactory(SiteFactory):
    address = factory.Sequence(lambda n: f"北京市东城区规则测试路{n}号")


class RuleTrainerFactory(TrainerFactory):
    name = factory.Sequence(lambda n: f"规则测试教师{n}")
    photo = "trainers/2026/photo.jpg"
    certificate_no = factory.Sequence(lambda n: f"2021110{n:010d}")
    classes_taught = "四年级数学1班"
    disclosed = True


class RuleForeignStaffFactory(ForeignStaffFactory):
    name = factory.Sequence(lambda n: f"Jane Doe {n}")
    work_permit_no = factory.Sequence(lambda n: f"WPR{n:08d}")
    in_china = True
    disclosed = True


class RuleCourseFactory(CourseFactory):
    name = factory.Sequence(lambda n: f"五年级数学提高{n}")
    content_grade = 5
    min_grade = 5
    max_grade = 5


class RuleSessionFactory(SessionFactory):
    """A lesson: pass ``starts_at``/``ends_at`` (use ``at()``); offline lessons get an approved site."""

    course = factory.SubFactory(RuleCourseFactory)
    mode = factory.LazyAttribute(lambda o: o.course.mode)
    site = factory.LazyAttribute(
        lambda o: RuleSiteFactory(institution=o.course.institution) if o.mode == "offline" else None
    )
    starts_at = at("2026-11-10", "18:00")
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(minutes=o.course.lesson_minutes))


class RuleFilingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnrolmentFiling

    course = factory.SubFactory(RuleCourseFactory)
    filed_on = dt.date(2026, 10, 20)
    approved_on = dt.date(2026, 10, 28)
    brochure = "招生简章"
    fees = "每课时60元"
    enrolment_opens_on = dt.date(2026, 11, 2)


class RulePrepaymentFactory(PrepaymentFactory):
    course = factory.SubFactory(RuleCourseFactory)
    paid_on = dt.date(2026, 11, 12)
    amount = Decimal("2400.00")
    account = "11050101000000000001"


def disclose_all(institution):
    """Publish the four institution-level items."""
    for item in ("licence", "fee_standard", "refund_standard", "fee_account"):
        Disclosure.objects.create(institution=institution, item=item, published=True, content=item)


def sweep(rule_id: str, district, date_from: dt.date | str = "2026-11-09", date_to: dt.date | str | None = None):
    """Run one rule over one district and return its active findings, ordered by date and id."""
    date_from = dt.date.fromisoformat(date_from) if isinstance(date_from, str) else date_from
    date_to = date_from if date_to is None else date_to
    date_to = dt.date.fromisoformat(date_to) if isinstance(date_to, str) else date_to
    sweep_rule_district(rule=get_rule(rule_id), district=district, date_from=date_from, date_to=date_to)
    return list(
        Finding.objects.filter(rule_id=rule_id, district=district, status__in=ACTIVE_STATUSES).order_by(
            "period_start", "id"
        )
    )


def session_ids(findings) -> set[int]:
    return {f.evidence["session_id"] for f in findings}
