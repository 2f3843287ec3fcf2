"""API tokens: stored as a digest, expiring, revocable by their holder, and revoked by a password change
(whatever path made it), by deactivation and by a lockout of the username; the admin never shows a key."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from accounts.services import password_change
from tests.factories import TEST_PASSWORD, api_token

pytestmark = pytest.mark.django_db

STAFF_ONLY = "/api/v1/districts/"


def with_token(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def works(key) -> bool:
    status = with_token(key).get(STAFF_ONLY).status_code
    assert status in (200, 401, 403), status
    return status == 200


def obtain(username="district1", password=TEST_PASSWORD, ip="10.3.0.1"):
    return APIClient().post(reverse("api-token"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_the_token_endpoint_issues_a_token_stored_only_as_a_digest_that_expires_in_ten_hours(district_user):
    before = timezone.now()
    response = obtain()
    assert response.status_code == 200
    body = response.json()
    key = body["token"]  # the name the clients, tests and benchmarks read
    assert works(key)
    stored = AuthToken.objects.get(user=district_user)
    # nothing stored is the key: a database dump or the admin gives no usable token
    assert key not in (stored.digest, stored.token_key) and stored.digest != key
    assert len(key) == 64 and stored.token_key == key[:15]
    assert settings.REST_KNOX["TOKEN_TTL"] == timedelta(hours=10) and settings.REST_KNOX["AUTO_REFRESH"] is False
    assert before + timedelta(hours=10) <= stored.expiry <= timezone.now() + timedelta(hours=10)
    # in the API's zone, Asia/Shanghai, as every time the API gives
    assert body["expiry"].startswith(timezone.localtime(stored.expiry).strftime("%Y-%m-%dT%H:%M"))
    assert body["expiry"].endswith("+08:00")


def test_an_expired_token_is_refused_and_use_does_not_extend_a_token(district_user):
    key = api_token(district_user)
    expiry = AuthToken.objects.get(user=district_user).expiry
    assert works(key)
    assert AuthToken.objects.get(user=district_user).expiry == expiry  # no auto-refresh
    AuthToken.objects.filter(user=district_user).update(expiry=timezone.now() - timedelta(seconds=1))
    assert not works(key)
    assert not AuthToken.objects.filter(user=district_user).exists()  # the expired token is deleted


def test_a_new_token_clears_the_users_expired_ones(district_user):
    api_token(district_user)
    AuthToken.objects.filter(user=district_user).update(expiry=timezone.now() - timedelta(minutes=1))
    key = obtain().json()["token"]
    assert AuthToken.objects.filter(user=district_user).count() == 1 and works(key)


def test_delete_revokes_the_callers_token_only(district_user):
    key, other = api_token(district_user), api_token(district_user)
    client = with_token(key)
    assert client.delete(reverse("api-token")).status_code == 204
    assert not works(key)
    assert works(other)  # the user's other token (another system) still works
    assert AuditEvent.objects.filter(action="logout", actor=district_user, detail={"method": "token"}).exists()
    # a signed-in browser has no token to revoke
    session = APIClient()
    session.force_login(district_user)
    response = session.delete(reverse("api-token"))
    assert response.status_code == 403 and works(other)
    assert APIClient().delete(reverse("api-token")).status_code == 403


def test_a_password_change_by_any_path_revokes_every_token(district_user, admin_user):
    User = get_user_model()
    # the self-service change (the service the change-password page calls)
    keys = [api_token(district_user), api_token(district_user)]
    password_change(user=district_user, new_password="a-new-long-password-1")
    assert not any(works(k) for k in keys)
    # the Django admin's password form
    key = api_token(district_user)
    admin = Client()
    admin.force_login(admin_user)
    response = admin.post(
        reverse("admin:auth_user_password_change", args=[district_user.pk]),
        {"password1": "an-admin-set-password-2", "password2": "an-admin-set-password-2", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not works(key)
    # set_password in a shell, and a bulk UPDATE that no Python code sees
    key = api_token(district_user)
    user = User.objects.get(pk=district_user.pk)
    user.set_password("a-shell-set-password-3")
    user.save()
    assert not works(key)
    key = api_token(district_user)
    User.objects.filter(pk=district_user.pk).update(password="!unusable")
    assert not works(key)


def test_saving_the_user_without_changing_the_password_keeps_the_tokens(district_user):
    key = api_token(district_user)
    district_user.first_name = "改名"
    district_user.save()
    district_user.last_login = timezone.now()
    district_user.save(update_fields=["last_login"])
    assert works(key)


def test_deactivation_revokes_every_token(district_user):
    keys = [api_token(district_user), api_token(district_user)]
    district_user.is_active = False
    district_user.save()
    assert not AuthToken.objects.filter(user=district_user).exists()
    district_user.is_active = True  # reactivating brings none back
    district_user.save()
    assert not any(works(k) for k in keys)


def test_a_lockout_of_the_username_revokes_its_tokens(client, district_user, district2_user):
    key, bystander = api_token(district_user), api_token(district2_user)
    for n in range(4):
        client.post(reverse("login"), {"username": "district1", "password": "wrong-xyz"}, REMOTE_ADDR=f"10.4.0.{n}")
    assert works(key)  # four failures lock nothing
    response = client.post(reverse("login"), {"username": "district1", "password": "wrong-xyz"}, REMOTE_ADDR="10.4.0.9")
    assert response.status_code == 429
    assert not works(key)
    assert works(bystander)


def test_a_lockout_of_an_address_alone_revokes_no_ones_tokens(client, district_user):
    key = api_token(district_user)
    for n in range(4):
        client.post(reverse("login"), {"username": f"nobody{n}", "password": "wrong-xyz"}, REMOTE_ADDR="10.5.0.1")
    # the fifth failure from this address locks the address; the username tried has one failure
    response = client.post(reverse("login"), {"username": "district1", "password": "wrong-xyz"}, REMOTE_ADDR="10.5.0.1")
    assert response.status_code == 429
    assert works(key)


def test_the_admin_shows_no_key_and_cannot_make_one(admin_user, district_user):
    key = api_token(district_user)
    token = AuthToken.objects.get(user=district_user)
    admin = Client()
    admin.force_login(admin_user)
    listing = admin.get(reverse("admin:knox_authtoken_changelist"))
    detail = admin.get(reverse("admin:knox_authtoken_change", args=[token.pk]))
    assert listing.status_code == 200 and detail.status_code == 200
    for page in (listing, detail):
        html = page.content.decode()
        assert "district1" in html
        # the digest (in the URLs: it is the primary key) cannot be turned back into the key
        assert key not in html and key[:15] not in html
    assert admin.get(reverse("admin:knox_authtoken_add")).status_code == 403
    # revoking from the admin is deleting
    delete = admin.post(reverse("admin:knox_authtoken_delete", args=[token.pk]), {"post": "yes"})
    assert delete.status_code == 302 and not works(key)
    # DRF's plain tokens (keys in clear) are gone, with their admin
    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS
    assert admin.get("/admin/authtoken/tokenproxy/").status_code == 404


def test_the_former_cleartext_token_table_is_dropped_by_the_migration():
    """A database from before knox kept every DRF token in clear text in ``authtoken_token``: the migration drops it."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("accounts.migrations.0005_drop_cleartext_api_tokens")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id bigint)")
        cursor.execute("INSERT INTO authtoken_token VALUES ('0123456789abcdef0123456789abcdef01234567', 1)")
        cursor.execute(migration.Migration.operations[0].sql)
        cursor.execute("SELECT to_regclass('authtoken_token')")
        assert cursor.fetchone()[0] is None
