"""Sessions: 30 minutes idle, 12 hours at most, ended on the server at logout; password policy."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.signals import SESSION_STARTED_KEY
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def logged_in(username):
    client = Client()
    resp = client.post(reverse("login"), {"username": username, "password": TEST_PASSWORD})
    assert resp.status_code == 302
    return client


def is_staff_view(client):
    return "东城区教委工作台" in client.get("/").content.decode()


def test_logout_deletes_the_session_on_the_server(district_user):
    client = logged_in("district1")
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(session_key=stolen).exists()
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=stolen).exists()
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert not is_staff_view(replay)
    assert AuditEvent.objects.filter(action="logout", actor=district_user).exists()


def test_idle_session_expires_after_30_minutes(district_user):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    client = logged_in("district1")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    # each request pushes the expiry 30 minutes ahead
    client.get("/")
    expiry = Session.objects.get(session_key=key).expire_date
    assert timedelta(minutes=29) < expiry - timezone.now() <= timedelta(minutes=30)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert not is_staff_view(client)


def test_session_ends_12_hours_after_login_however_active(district_user):
    client = logged_in("district1")
    assert is_staff_view(client)
    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - 12 * 3600 + 60
    session.save()
    assert is_staff_view(client)  # 11 h 59 min: still in
    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - 12 * 3600 - 1
    session.save()
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert not is_staff_view(client)
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEvent.objects.filter(action="logout", detail__reason="max_age").exists()


def test_login_records_the_login_time(district_user):
    client = logged_in("district1")
    assert abs(client.session[SESSION_STARTED_KEY] - time.time()) < 60
    assert AuditEvent.objects.filter(action="login", actor=district_user, outcome="ok").exists()


@pytest.mark.parametrize(
    "password",
    ["Short-pw-1", "password1234", "123456789012", "district1-x1"],
    ids=["under-12", "common", "numeric", "like-username"],
)
def test_weak_passwords_are_refused(district_user, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=district_user)


def test_a_long_uncommon_password_passes(district_user):
    validate_password("Qiu-shui-gong-chang-tian-7", user=district_user)


def test_login_form_requires_csrf(district_user):
    client = Client(enforce_csrf_checks=True)
    resp = client.post(reverse("login"), {"username": "district1", "password": TEST_PASSWORD})
    assert resp.status_code == 403
    assert "页面已过期" in resp.content.decode()  # a Chinese page saying what to do
