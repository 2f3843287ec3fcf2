"""Routing (Art. 28): to the target's district and the department that handles the matter; re-routing with a reason."""

import pytest

from complaints.models import ComplaintEvent
from complaints.services import complaint_reroute
from shuangjian.errors import ServiceError
from tests import factories as f

from .helpers import submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("category", "domain", "department"),
    [
        ("subject", "academic", "education"),
        ("non_subject", "arts", "culture_tourism"),
        ("non_subject", "sports", "sports"),
        ("non_subject", "science", "science_technology"),
        ("non_subject", "other", "education"),
    ],
)
def test_institution_goes_to_its_district_and_department(district2, category, domain, department):
    inst = f.InstitutionFactory(district=district2, category=category, domain=domain)
    c, _ = submit(target_kind="institution", institution=inst, category="holiday_or_late_training")
    assert (c.district, c.department) == (district2, department)


def test_foreign_language_course_goes_to_education(district2):
    from decimal import Decimal

    from institutions.models import Course

    inst = f.InstitutionFactory(district=district2, category="non_subject", domain="arts")
    c0, _ = submit(target_kind="institution", institution=inst, category="other")
    assert c0.department == "culture_tourism"
    Course.objects.create(
        institution=inst,
        name="少儿英语戏剧",
        subject="english",
        content_grade=3,
        min_grade=3,
        max_grade=3,
        mode="offline",
        class_size=12,
        lesson_minutes=45,
        price_per_lesson=Decimal("80"),
    )
    c1, _ = submit(target_kind="institution", institution=inst, category="other")
    assert c1.department == "education"


@pytest.mark.parametrize("category", ["prepayment_refund", "advertising"])
def test_fees_and_advertising_go_to_market_regulation_whatever_the_target(district1, school_a, category):
    inst = f.InstitutionFactory(district=district1, category="non_subject", domain="sports")
    c1, _ = submit(target_kind="institution", institution=inst, category=category)
    c2, _ = submit(target_kind="school", school=school_a, category=category)
    assert c1.department == c2.department == "market_regulation"


def test_school_and_teacher_go_to_education_in_the_schools_district(school_b, district2):
    c1, _ = submit(target_kind="school", school=school_b, category="excessive_homework", grade=4)
    c2, _ = submit(target_kind="teacher", school=school_b, teacher_name="李老师", category="paid_tutoring")
    assert (c1.district, c1.department) == (district2, "education")
    assert (c2.district, c2.department, c2.teacher_name) == (district2, "education", "李老师")


def test_other_target_goes_to_the_named_district(district2):
    c, _ = submit(target_kind="other", target_text="小区补习班", district=district2, category="unlicensed")
    assert (c.district, c.department) == (district2, "education")


def test_teacher_of_another_school_is_refused(school_a, school_b):
    teacher = f.SchoolTeacherFactory(school=school_b)
    with pytest.raises(ServiceError) as exc:
        submit(target_kind="teacher", school=school_a, teacher=teacher, category="paid_tutoring")
    assert "teacher" in exc.value.fields


def test_reroute_needs_a_reason_and_is_on_the_timeline(district1, district2, district_user, as_user):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1, category="other")
    with pytest.raises(ServiceError):
        complaint_reroute(complaint=c, actor=district_user, reason=" ", department="sports")
    r = as_user(district_user).post(
        f"/api/v1/complaints/{c.pk}/reroute/",
        {"district": "110102", "department": "sports", "reason": "实际在西城区"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    c.refresh_from_db()
    assert (c.district, c.department) == (district2, "sports")
    event = ComplaintEvent.objects.get(complaint=c, kind="rerouted")
    assert "实际在西城区" in event.note and event.actor == district_user and not event.public
    # now it belongs to the other district: the first one no longer sees it
    assert as_user(district_user).get(f"/api/v1/complaints/{c.pk}/").status_code == 404
