"""``/api/v1/`` answers DRF's API root, listing the endpoints, for a signed-in user (it was a 404)."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_api_root_lists_the_endpoints_for_a_signed_in_user(district_user):
    client = APIClient()
    assert client.get("/api/v1/").status_code == 403
    client.force_authenticate(district_user)
    resp = client.get("/api/v1/", HTTP_ACCEPT="application/json")
    assert resp.status_code == 200
    body = resp.json()
    assert body["complaints"].endswith("/api/v1/complaints/")
    assert body["institutions"].endswith("/api/v1/institutions/")
    assert "audit" in body and len(body) > 10
