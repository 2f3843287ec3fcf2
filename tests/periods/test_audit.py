"""Every filing and correction is in the audit trail: who, when, which class-days, counts before and after; one
event per bulk request, not one per row."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from tests import clock
from tests import factories as f
from tests.afterschool.conftest import payload

from .conftest import SCHOOL_DAY, item

pytestmark = pytest.mark.django_db


def test_a_bulk_filing_is_one_audit_event_naming_its_class_days_and_counts(as_user, school_user, school_a):
    classes = [f.SchoolClassFactory(school=school_a, grade=3 + n % 6) for n in range(25)]
    rows = [item(c, subject=s) for c in classes for s in ("maths", "chinese", "english", "science")]
    client = as_user(school_user)
    with clock.on_day(SCHOOL_DAY):
        assert client.post("/api/v1/homework/", rows, format="json").status_code == 201
        [event] = AuditEvent.objects.filter(object_type="homework.homeworkday")
        assert event.actor == school_user and event.action == "create"
        assert event.district_id == school_a.district_id
        assert event.detail["class_days"] == {"2026-11-10": sorted(c.pk for c in classes)}
        assert (event.detail["items_before"], event.detail["items_after"]) == (0, 100)
        # filed again, only maths: the 25 maths items are replaced
        assert client.post("/api/v1/homework/", rows[::4], format="json").status_code == 201
    latest = AuditEvent.objects.filter(object_type="homework.homeworkday").order_by("-id").first()
    assert (latest.detail["items_before"], latest.detail["items_after"]) == (25, 25)
    assert AuditEvent.objects.filter(object_type="homework.homeworkday").count() == 2


def test_the_day_form_and_the_after_school_report_are_audited(school_user, school_a, g4):
    from django.test import Client

    browser = Client()
    browser.force_login(school_user)
    with clock.on_day(SCHOOL_DAY):
        browser.post(
            reverse("homework:file"),
            {
                "school_class": g4.pk,
                "date": SCHOOL_DAY.isoformat(),
                "no_homework": "on",
                "items-TOTAL_FORMS": "0",
                "items-INITIAL_FORMS": "0",
            },
        )
        form = payload(school_a, SCHOOL_DAY)
        form.pop("school")
        browser.post(reverse("afterschool:report"), form)
    homework = AuditEvent.objects.get(object_type="homework.homeworkday")
    assert homework.detail["class_days"] == {"2026-11-10": [g4.pk]} and homework.detail["items_after"] == 0
    report = AuditEvent.objects.get(object_type="afterschool.dailyreport")
    assert report.actor == school_user
    assert report.detail["school_days"] == [[school_a.pk, "2026-11-10"]]
    assert (report.detail["reports_before"], report.detail["reports_after"]) == (0, 1)


def test_a_refused_filing_leaves_no_filing_event(closed, as_user, school_user, g4):
    before = AuditEvent.objects.filter(object_type="homework.homeworkday").count()
    assert as_user(school_user).post("/api/v1/homework/", [item(g4)], format="json").status_code == 409
    assert AuditEvent.objects.filter(object_type="homework.homeworkday").count() == before
