"""Refused requests are recorded without letting anyone fill the audit trail: the first refusal of each
(address, account, URL pattern, minute) is an audit event, the repeats are a count beside it."""

import pytest
from django.db.models import Sum
from django.test import Client

from accounts.models import AuditEvent, DeniedRequestTally

pytestmark = pytest.mark.django_db

FLOOD = 2_000


def denials(**filters):
    return AuditEvent.objects.filter(action="access_denied", **filters)


def refused_count(**filters) -> int:
    return DeniedRequestTally.objects.filter(**filters).aggregate(n=Sum("count"))["n"] or 0


def test_a_flood_of_anonymous_refusals_writes_a_handful_of_audit_events_and_keeps_the_count():
    client = Client()
    for _ in range(FLOOD):
        assert client.get("/api/v1/audit/", REMOTE_ADDR="203.0.113.7").status_code == 403
    # one event per minute the flood lasted (it may straddle a minute boundary), not one per request
    assert 1 <= denials(ip="203.0.113.7").count() <= 2
    assert refused_count(client="203.0.113.7") == FLOOD
    event = denials(ip="203.0.113.7").earliest("at")
    assert event.detail == {"method": "GET", "status": 403, "path_pattern": "api/v1/audit/$"}
    assert event.path == "/api/v1/audit/"


def test_walking_through_ids_counts_as_one_pattern():
    client = Client()
    for pk in range(1, 201):
        assert client.get(f"/api/v1/schools/{pk}/", REMOTE_ADDR="203.0.113.8").status_code == 403
    assert 1 <= denials(ip="203.0.113.8").count() <= 2
    assert refused_count(client="203.0.113.8", path_pattern__contains="schools") == 200


def test_other_addresses_patterns_and_accounts_are_each_recorded(client, school_user):
    for ip in ("203.0.113.21", "203.0.113.22"):
        for _ in range(3):
            Client().get("/api/v1/audit/", REMOTE_ADDR=ip)
        Client().get("/api/v1/schools/", REMOTE_ADDR=ip)
    for ip in ("203.0.113.21", "203.0.113.22"):
        assert sorted(denials(ip=ip).values_list("path", flat=True)) == ["/api/v1/audit/", "/api/v1/schools/"]
        assert refused_count(client=ip) == 4
    # a signed-in user refused from the same address is recorded in their own name
    client.force_login(school_user)
    assert client.get("/audit/", REMOTE_ADDR="203.0.113.21").status_code == 403
    assert client.get("/audit/", REMOTE_ADDR="203.0.113.21").status_code == 403
    assert denials(ip="203.0.113.21", actor=school_user).count() == 1
    assert refused_count(client="203.0.113.21", actor_label="school-a") == 2
