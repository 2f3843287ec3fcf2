"""Login lockout: 5 failures lock the username and, separately, the address, for 15 minutes."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "wrong-password-xyz"


def fail(client, username, ip="10.0.0.1", times=1):
    for _ in range(times):
        resp = client.post(reverse("login"), {"username": username, "password": WRONG}, REMOTE_ADDR=ip)
    return resp


def login(client, username, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": TEST_PASSWORD}, REMOTE_ADDR=ip)


def test_policy_values_are_explicit():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username"], ["ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True


def test_four_failures_do_not_lock(client, district_user):
    assert fail(client, "district1", times=4).status_code == 200
    assert login(client, "district1").status_code == 302


def test_fifth_failure_locks_the_username_even_from_another_address(client, district_user):
    resp = fail(client, "district1", times=5)
    assert resp.status_code == 429
    html = resp.content.decode()
    assert "登录已被暂时锁定" in html and "15 分钟" in html
    # the right password from a fresh address is refused while the username is locked
    resp = login(client, "district1", ip="10.9.9.9")
    assert resp.status_code == 429
    assert "_auth_user_id" not in client.session


def test_fifth_failure_locks_the_address_for_every_username(client, district_user, district2_user):
    for n in range(5):
        fail(client, f"nobody{n}", ip="10.0.0.7")
    assert login(client, "district2", ip="10.0.0.7").status_code == 429
    # the same user from another address is fine: the lock was on the address
    assert login(client, "district2", ip="10.0.0.8").status_code == 302


def test_lock_expires_after_the_cool_off(client, district_user):
    fail(client, "district1", times=5)
    assert login(client, "district1").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert login(client, "district1").status_code == 302


def test_success_resets_the_count(client, district_user):
    fail(client, "district1", times=4)
    assert login(client, "district1").status_code == 302
    client.logout()
    assert fail(client, "district1", times=4).status_code == 200
    assert login(client, "district1").status_code == 302


def test_failures_and_lockout_are_audited(client, district_user):
    fail(client, "district1", times=5)
    login(client, "district1")
    events = list(AuditEvent.objects.filter(actor_label="district1").order_by("id").values_list("action", "outcome"))
    assert events[:4] == [("login_failed", "failed")] * 4
    assert ("locked_out", "denied") in events[4:]
    assert events[-1] == ("locked_out", "denied")
    assert AuditEvent.objects.filter(action="login_failed", ip="10.0.0.1").exists()


def test_token_endpoint_counts_failures_and_answers_in_the_api_shape(api, district_user):
    url = reverse("api-token")
    for _ in range(4):
        resp = api.post(url, {"username": "district1", "password": WRONG}, REMOTE_ADDR="10.1.1.1")
        assert resp.status_code == 400
    resp = api.post(url, {"username": "district1", "password": WRONG}, REMOTE_ADDR="10.1.1.1")
    assert resp.status_code == 429
    assert resp.json()["code"] == "locked_out"
    assert int(resp["Retry-After"]) == 15 * 60
    resp = api.post(url, {"username": "district1", "password": TEST_PASSWORD}, REMOTE_ADDR="10.1.1.2")
    assert resp.status_code == 429
    # the page login is locked as well: one lockout for every way in
    assert login(api, "district1", ip="10.1.1.3").status_code == 429


def test_token_login_succeeds_and_is_audited(api, district_user):
    resp = api.post(reverse("api-token"), {"username": "district1", "password": TEST_PASSWORD})
    assert resp.status_code == 200 and resp.json()["token"]
    event = AuditEvent.objects.get(action="login")
    assert event.actor == district_user and event.detail == {"method": "token"}
