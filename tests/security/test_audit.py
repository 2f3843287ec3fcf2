"""The audit trail: what is recorded, that the application cannot change it, who may read it."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record, client_ip
from accounts.models import AppendOnlyError, AuditEvent
from tests.factories import InstitutionFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def insert_old_event(days_ago, label="old"):
    """An event written `days_ago` days back (raw SQL: the model stamps `at` itself)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_auditevent (at, actor_label, action, object_type, object_id, object_repr,"
            " outcome, detail, path) VALUES (%s, %s, 'update', 'institutions.institution', '1', '', 'ok', %s, '')",
            [timezone.now() - timedelta(days=days_ago), label, "{}"],
        )


# --- recording ----------------------------------------------------------------


def test_audit_record_takes_who_what_where_from_the_object_and_request(district_user, institution):
    request = RequestFactory().post("/institutions/1/", REMOTE_ADDR="192.0.2.10")
    request.user = district_user
    event = audit_record(
        actor=None, action="update", obj=institution, request=request, detail={"fields": ["licence_status"]}
    )
    event.refresh_from_db()
    assert event.actor == district_user and event.actor_label == "district1"
    assert (event.object_type, event.object_id) == ("institutions.institution", str(institution.pk))
    assert event.object_repr == str(institution)
    assert event.district_id == institution.district_id
    assert (event.ip, event.path, event.outcome) == ("192.0.2.10", "/institutions/1/", "ok")
    assert event.detail == {"fields": ["licence_status"]}
    assert event.at is not None


def test_audit_record_finds_the_district_through_the_school(city_user, district2):
    school = SchoolFactory(district=district2)
    event = audit_record(actor=city_user, action="view_contact", obj=school, detail={"on": timezone.localdate()})
    assert event.district_id == district2.pk
    assert isinstance(event.detail["on"], str)  # dates stored as ISO text


def test_unknown_action_or_outcome_is_refused(city_user):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit_record(actor=city_user, action="tamper")
    with pytest.raises(ValueError, match="unknown audit outcome"):
        audit_record(actor=city_user, action="update", outcome="maybe")


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.5"  # the address our proxy saw, not what the client claims


def test_admin_changes_are_recorded_one_by_one_and_in_bulk(city_user):
    a, b = InstitutionFactory(), InstitutionFactory()
    LogEntry.objects.log_actions(city_user.pk, [a], ADDITION, change_message="added", single_object=True)
    LogEntry.objects.log_actions(city_user.pk, [a, b], DELETION)
    events = AuditEvent.objects.filter(detail__via="admin").order_by("id")
    assert [(e.action, e.object_id) for e in events] == [
        ("create", str(a.pk)),
        ("delete", str(a.pk)),
        ("delete", str(b.pk)),
    ]
    assert all(e.actor == city_user and e.object_type == "institutions.institution" for e in events)


def test_another_districts_object_is_a_404_and_is_recorded(as_user, district_user, school_b):
    resp = as_user(district_user).get(f"/api/v1/schools/{school_b.pk}/")
    assert resp.status_code == 404
    event = AuditEvent.objects.get(action="access_denied")
    assert event.actor == district_user and event.outcome == "denied"
    assert event.path == f"/api/v1/schools/{school_b.pk}/"
    assert event.detail == {"method": "GET", "status": 404, "path_pattern": "api/v1/schools/(?P<pk>[^/.]+)/$"}


def test_forbidden_page_and_anonymous_api_calls_are_recorded(client, school_user):
    client.force_login(school_user)
    assert client.get(reverse("audit")).status_code == 403
    client.logout()
    assert client.get("/api/v1/audit/").status_code in (401, 403)
    rows = list(AuditEvent.objects.filter(action="access_denied").values_list("actor_label", "path"))
    assert ("school-a", "/audit/") in rows
    assert ("", "/api/v1/audit/") in rows


def test_anonymous_404_is_not_recorded(client):
    assert client.get("/no-such-page/").status_code == 404
    assert not AuditEvent.objects.filter(action="access_denied").exists()


# --- append-only --------------------------------------------------------------


def test_the_application_cannot_change_or_delete_an_event(city_user):
    event = audit_record(actor=city_user, action="update", object_type="x", object_id=1)
    event.outcome = "failed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(outcome="failed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["outcome"])
    assert AuditEvent.objects.get(pk=event.pk).outcome == "ok"


def test_an_upsert_cannot_rewrite_an_event(city_user):
    event = audit_record(actor=city_user, action="update", object_type="x", object_id=1)
    forged = AuditEvent(pk=event.pk, action="update", outcome="failed", actor_label="mallory")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create(
            [forged], update_conflicts=True, unique_fields=["id"], update_fields=["outcome", "actor_label"]
        )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.outcome, stored.actor_label) == ("ok", "city")


def test_deleting_a_user_keeps_their_events(district_user):
    audit_record(actor=district_user, action="update", object_type="x")
    district_user.profile.delete()
    district_user.delete()
    event = AuditEvent.objects.get(actor_label="district1", action="update")
    assert event.actor_id is not None  # the id stays; the label says who it was


def test_postgresql_refuses_update_and_delete_even_in_raw_sql(city_user):
    event = audit_record(actor=city_user, action="login")
    for sql in (
        "UPDATE accounts_auditevent SET outcome = 'failed' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).outcome == "ok"


# --- retention ----------------------------------------------------------------


def test_purge_refuses_less_than_six_months():
    with pytest.raises(CommandError, match="183"):
        call_command("purge_audit", "--older-than-days", "182")


def test_purge_deletes_only_events_past_the_retention_and_records_itself():
    from accounts.models import DeniedRequestTally

    insert_old_event(200, "ancient")
    insert_old_event(100, "recent")
    for days, pattern in ((200, "old/"), (100, "recent/")):
        DeniedRequestTally.objects.create(path_pattern=pattern, minute=timezone.now() - timedelta(days=days), count=9)
    call_command("purge_audit", "--older-than-days", "183")
    labels = set(AuditEvent.objects.values_list("actor_label", flat=True))
    assert labels == {"recent", "purge_audit"}
    purge = AuditEvent.objects.get(actor_label="purge_audit")
    assert purge.action == "delete" and purge.detail["deleted"] == 1 and purge.detail["tallies"] == 1
    assert list(DeniedRequestTally.objects.values_list("path_pattern", flat=True)) == ["recent/"]


def test_purge_dry_run_deletes_nothing(capsys):
    insert_old_event(300)
    call_command("purge_audit", "--older-than-days", "200", "--dry-run")
    assert "1 audit events" in capsys.readouterr().out
    assert AuditEvent.objects.count() == 1


# --- reading: city staff only -------------------------------------------------


@pytest.fixture
def some_events(city_user, district_user, institution):
    for n in range(60):
        audit_record(actor=district_user, action="update", obj=institution, detail={"n": n})
    audit_record(actor=city_user, action="view_contact", object_type="complaints.complaint", object_id=7)
    audit_record(actor=None, actor_label="mallory", action="login_failed", outcome="failed")


def test_api_lists_and_filters_for_city_staff(as_user, city_user, some_events, django_assert_max_num_queries):
    client = as_user(city_user)
    with django_assert_max_num_queries(4):
        resp = client.get("/api/v1/audit/", {"action": "update", "page_size": 20})
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == 60 and len(body["results"]) == 20
    assert body["results"][0]["detail"] == {"n": 59}  # newest first
    assert body["results"][0]["district"] == "110101"
    resp = client.get("/api/v1/audit/", {"actor": "mallory"})
    assert [r["action"] for r in resp.json()["results"]] == ["login_failed"]
    resp = client.get("/api/v1/audit/", {"object_type": "complaints.complaint", "object_id": "7"})
    assert resp.json()["count"] == 1
    today = timezone.localdate()
    assert client.get("/api/v1/audit/", {"date_from": today}).json()["count"] == 62
    assert client.get("/api/v1/audit/", {"date_to": today - timedelta(days=1)}).json()["count"] == 0


def test_api_is_closed_to_other_roles_and_has_no_writes(as_user, city_user, district_user, some_events):
    assert as_user(district_user).get("/api/v1/audit/").status_code == 403
    city = as_user(city_user)
    event = AuditEvent.objects.first()
    assert city.post("/api/v1/audit/", {"action": "login"}).status_code == 405
    assert city.patch(f"/api/v1/audit/{event.pk}/", {"outcome": "failed"}).status_code == 405
    assert city.delete(f"/api/v1/audit/{event.pk}/").status_code == 405


def test_page_for_city_staff_searches_and_pages(client, city_user, some_events):
    client.force_login(city_user)
    resp = client.get(reverse("audit"))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "审计日志" in html and "第 1 / 2 页" in html
    resp = client.get(reverse("audit"), {"actor": "mallory"})
    html = resp.content.decode()
    assert "mallory" in html and "登录失败" in html and "district1" not in html.split("<tbody>")[1]
    resp = client.get(reverse("audit"), {"action": "update", "page": 2})
    assert "第 2 / 2 页" in resp.content.decode()


def test_page_sends_anonymous_users_to_login(client):
    resp = client.get(reverse("audit"))
    assert resp.status_code == 302 and resp["Location"].startswith(reverse("login"))


def test_admin_shows_the_trail_read_only(client, django_user_model, city_user):
    admin_user = django_user_model.objects.create_superuser("root", "", "Root-password-0123")
    event = audit_record(actor=city_user, action="update", object_type="x")
    client.force_login(admin_user)
    assert client.get("/admin/accounts/auditevent/").status_code == 200
    assert client.get(f"/admin/accounts/auditevent/{event.pk}/change/").status_code == 200  # view only
    assert client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/accounts/auditevent/add/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_city_landing_links_to_the_trail_and_others_do_not(client, city_user, district_user):
    client.force_login(city_user)
    assert f'href="{reverse("audit")}"' in client.get("/").content.decode()
    client.force_login(district_user)
    assert f'href="{reverse("audit")}"' not in client.get("/").content.decode()
