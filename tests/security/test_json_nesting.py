"""Deeply nested JSON is a 400 in the API's error shape, not a 500, on every endpoint that reads JSON.

`[` x 100000 posted anonymously used to answer 500 (the JSON decoder's RecursionError) on the complaint form's
API, the tracking look-up and the token login.
"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from tests import factories as f

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/api/v1/complaints/", "/api/v1/complaints/track/", "/api/v1/auth/token/"]


@pytest.fixture(autouse=True)
def _clean(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()  # the public rate limits
    yield
    cache.clear()


def post_raw(path, body, client=None):
    return (client or APIClient()).generic("POST", path, body, content_type="application/json")


def assert_parse_error(resp):
    assert resp.status_code == 400, resp.content[:300]
    body = resp.json()
    assert set(body) == {"detail", "code", "fields"}
    assert body["code"] == "parse_error" and body["fields"] == {}
    assert "JSON" in body["detail"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_unclosed_deep_nesting_is_a_400(path):
    assert_parse_error(post_raw(path, "[" * 100_000))


@pytest.mark.parametrize("path", ENDPOINTS)
def test_well_formed_deep_nesting_is_a_400(path):
    assert_parse_error(post_raw(path, "[" * 5000 + "]" * 5000))
    # deep enough to be refused by the depth limit, shallow enough for the decoder itself
    assert_parse_error(post_raw(path, '{"a":' * 200 + "1" + "}" * 200))


def test_deep_nesting_is_a_400_on_staff_endpoints_too(district1):
    client = APIClient()
    client.force_authenticate(f.user_with_role("city", username="city-json"))
    assert_parse_error(post_raw("/api/v1/schools/", "[" * 100_000, client))
    client.force_authenticate(f.user_with_role("district", username="district-json", district=district1))
    assert_parse_error(post_raw("/api/v1/complaints/", "[" * 100_000, client))


def test_malformed_json_is_still_a_parse_error():
    assert_parse_error(post_raw("/api/v1/complaints/track/", '{"tracking_code": '))


def test_ordinary_json_still_works(district1):
    submission = {
        "target_kind": "other",
        "target_text": "某小区内的无名培训班",
        "district": "110101",
        "category": "unlicensed",
        "description": "小区里有人办补习班，周末上课。",
        "occurred_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
    }
    created = APIClient().post("/api/v1/complaints/", submission, format="json")
    assert created.status_code == 201, created.json()
    code, secret = created.json()["tracking_code"], created.json()["secret"]
    tracked = APIClient().post("/api/v1/complaints/track/", {"tracking_code": code, "secret": secret}, format="json")
    assert tracked.status_code == 200 and tracked.json()["tracking_code"] == code
    user = f.user_with_role("city", username="city-json")
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": f.TEST_PASSWORD}, format="json"
    )
    assert token.status_code == 200 and token.json()["token"]
