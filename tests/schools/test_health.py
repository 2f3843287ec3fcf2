import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_broker_and_worker(client):
    resp = client.get("/healthz")
    body = resp.json()
    assert set(body) >= {"status", "database", "broker", "worker"}
    assert body["database"]["ok"] is True
