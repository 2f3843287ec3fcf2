"""Personal information: encrypted at rest, masked, revealed only to the handling district with an audit row,
erased after the retention period, re-encrypted on key rotation, never logged."""

import datetime as dt
import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from complaints.crypto import mask_phone
from complaints.models import Complaint, ContactView
from complaints.services import complaint_transition, complaints_purge_personal_data

from .conftest import submission
from .helpers import submit

pytestmark = pytest.mark.django_db

PHONE = "13812341234"


def _raw_row(pk):
    with connection.cursor() as cur:
        cur.execute("SELECT contact_name, contact_phone, contact_email FROM complaints_complaint WHERE id = %s", [pk])
        return cur.fetchone()


@pytest.fixture
def complaint(district1):
    c, _ = submit(
        target_kind="other",
        target_text="培训班",
        district=district1,
        contact_name="王小明",
        contact_phone=PHONE,
        contact_email="wxm@example.com",
    )
    return c


def test_phone_is_not_readable_in_the_database_row(complaint):
    row = _raw_row(complaint.pk)
    joined = " ".join(row)
    for personal in (PHONE, "王小明", "wxm@example.com", "1234"):
        assert personal not in joined
    assert Complaint.objects.get(pk=complaint.pk).contact_phone == PHONE


def test_api_shows_the_phone_masked(complaint, district_user, city_user, as_user):
    for user in (district_user, city_user):
        resp = as_user(user).get("/api/v1/complaints/")
        assert PHONE not in resp.content.decode()
        assert resp.json()["results"][0]["contact_phone"] == "138****1234"
        detail = as_user(user).get(f"/api/v1/complaints/{complaint.pk}/")
        assert PHONE not in detail.content.decode() and "王小明" not in detail.content.decode()


def test_handling_district_may_reveal_and_each_view_is_recorded(complaint, district_user, as_user):
    r = as_user(district_user).post(f"/api/v1/complaints/{complaint.pk}/contact/")
    assert r.status_code == 200
    assert r.json() == {"name": "王小明", "phone": PHONE, "email": "wxm@example.com"}
    view = ContactView.objects.get()
    assert view.user == district_user and view.complaint == complaint and view.at
    from accounts.models import AuditEvent

    audit = AuditEvent.objects.get(action="view_contact")
    assert (audit.actor, audit.object_id, audit.outcome) == (district_user, str(complaint.pk), "ok")
    assert PHONE not in str(audit.detail) and audit.object_repr == complaint.tracking_code


def test_city_staff_and_other_districts_may_not_reveal(complaint, city_user, district2_user, as_user):
    assert as_user(city_user).post(f"/api/v1/complaints/{complaint.pk}/contact/").status_code == 403
    assert as_user(district2_user).post(f"/api/v1/complaints/{complaint.pk}/contact/").status_code == 404
    assert not ContactView.objects.exists()


def test_phone_is_not_on_the_page_of_a_user_who_may_not_see_it(complaint, city_user, client):
    client.force_login(city_user)
    page = client.get(f"/complaints/{complaint.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "138****1234" in html and PHONE not in html and "王小明" not in html


def test_masking():
    assert mask_phone("+86 138-1234-1234") == "138****1234"
    assert mask_phone("") == ""


def test_nothing_personal_in_the_logs(api, district1, caplog):
    with caplog.at_level(logging.DEBUG):
        r = api.post("/api/v1/complaints/", submission(contact_name="王小明", contact_phone=PHONE), format="json")
    assert r.status_code == 201
    assert PHONE not in caplog.text and "王小明" not in caplog.text


def test_closed_complaints_are_erased_after_the_retention_period(complaint, district_user, settings):
    settings.COMPLAINT_RETENTION_DAYS = 30
    for step in ("accepted", "investigating"):
        complaint = complaint_transition(complaint=complaint, to_state=step, actor=district_user)
    complaint = complaint_transition(
        complaint=complaint, to_state="resolved", actor=district_user, outcome="已处理", upheld=False
    )
    complaint = complaint_transition(complaint=complaint, to_state="closed", actor=district_user)
    assert complaints_purge_personal_data() == 0  # closed today: kept
    Complaint.objects.filter(pk=complaint.pk).update(closed_at=timezone.now() - dt.timedelta(days=31))
    call_command("purge_complaint_personal_data", stdout=open("/dev/null", "w"))
    complaint.refresh_from_db()
    assert (complaint.contact_name, complaint.contact_phone, complaint.contact_email) == ("", "", "")
    assert complaint.personal_data_erased_at and complaint.phone_digest == ""
    assert complaint.events.filter(kind="purged").count() == 1
    assert complaints_purge_personal_data() == 0


def test_key_rotation_re_encrypts_with_the_new_key(complaint, settings):
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *old_keys]
    before = _raw_row(complaint.pk)
    call_command("rotate_complaint_keys", stdout=open("/dev/null", "w"))
    after = _raw_row(complaint.pk)
    assert before[1] != after[1]
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    assert Complaint.objects.get(pk=complaint.pk).contact_phone == PHONE
