"""Factories for the registry's models (the Institution factory is shared in tests/factories.py)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory

from institutions.models import Course, Disclosure, ForeignStaff, Prepayment, Session, Site, Trainer
from tests.factories import InstitutionFactory

BJ = ZoneInfo("Asia/Shanghai")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    institution = factory.SubFactory(InstitutionFactory)
    address = factory.Sequence(lambda n: f"北京市东城区测试路{n}号")
    approved = True
    approved_on = dt.date(2022, 3, 1)


class TrainerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trainer

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"培训教师{n}")
    certificate_no = factory.Sequence(lambda n: f"2020110{n:010d}")
    classes_taught = "四年级数学班"


class ForeignStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ForeignStaff

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"John Smith {n}")
    work_permit_no = factory.Sequence(lambda n: f"WP{n:08d}")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"四年级数学思维{n}")
    subject = "maths"
    content_grade = 4
    min_grade = 4
    max_grade = 4
    mode = "offline"
    class_size = 20
    lesson_minutes = 45
    price_per_lesson = Decimal("60.00")


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    course = factory.SubFactory(CourseFactory)
    site = factory.LazyAttribute(lambda o: SiteFactory(institution=o.course.institution))
    starts_at = dt.datetime(2026, 11, 14, 9, 0, tzinfo=BJ)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(minutes=45))
    mode = "offline"


class PrepaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prepayment

    course = factory.SubFactory(CourseFactory)
    paid_on = dt.date(2026, 11, 2)
    amount = Decimal("3600.00")
    class_hours = 40
    months = 3
    account = "监管账户 0200001"
    supervised = True


class DisclosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Disclosure

    institution = factory.SubFactory(InstitutionFactory)
    item = "fee_standard"
    published = True
    content = "每课时60元"


def course_with_trainers(institution, n=1, **kwargs):
    course = CourseFactory(institution=institution, **kwargs)
    course.trainers.set([TrainerFactory(institution=institution) for _ in range(n)])
    return course
