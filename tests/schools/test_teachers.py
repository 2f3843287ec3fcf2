"""The teacher roster records serving status (在职 / 离职 / 退休) with the date a teacher stopped serving."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from schools.models import SchoolTeacher
from tests.factories import SchoolTeacherFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "left_on"),
    [("left", None), ("retired", None), ("serving", dt.date(2026, 9, 1))],
)
def test_the_database_refuses_a_date_that_does_not_match_the_status(school_a, status, left_on):
    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolTeacherFactory(school=school_a, status=status, left_on=left_on)


def test_a_form_names_the_date_field(school_a):
    teacher = SchoolTeacherFactory.build(school=school_a, status="retired", left_on=None)
    with pytest.raises(ValidationError) as exc:
        teacher.full_clean()
    assert "left_on" in exc.value.message_dict


def test_serving_on_a_day(school_a):
    serving = SchoolTeacherFactory(school=school_a)
    leaving = SchoolTeacherFactory(school=school_a, status="left", left_on=dt.date(2026, 11, 12))
    SchoolTeacherFactory(school=school_a, status="retired", left_on=dt.date(2025, 7, 1))

    def on(day):
        return set(SchoolTeacher.objects.filter(SchoolTeacher.serving_on(dt.date.fromisoformat(day))))

    assert on("2026-11-11") == {serving, leaving}
    assert on("2026-11-12") == {serving}  # left_on is the first day no longer serving


def test_the_admin_edits_the_status(client, django_user_model, school_a):
    root = django_user_model.objects.create_superuser("root", "", "Root-password-0123")
    teacher = SchoolTeacherFactory(school=school_a, name="王老师")
    client.force_login(root)
    url = f"/admin/schools/schoolteacher/{teacher.pk}/change/"
    form = {"school": school_a.pk, "name": "王老师", "certificate_no": teacher.certificate_no, "status": "retired"}
    resp = client.post(url, {**form, "left_on": ""})
    assert resp.status_code == 200 and "离职或退休须填写日期" in resp.content.decode()
    resp = client.post(url, {**form, "left_on": "2026-07-01"})
    assert resp.status_code == 302
    teacher.refresh_from_db()
    assert (teacher.status, teacher.left_on) == ("retired", dt.date(2026, 7, 1))
    listing = client.get("/admin/schools/schoolteacher/", {"status__exact": "retired"}).content.decode()
    assert "王老师" in listing and "退休" in listing
