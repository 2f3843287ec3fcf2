"""Passwords: staff change their own; city and district administrators reset the accounts in their scope with a
one-time password the user must replace at the next login. Both are audited and end the user's other sessions
and API tokens."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken

from accounts.models import AuditEvent
from tests import factories as f
from tests.factories import TEST_PASSWORD, api_token

pytestmark = pytest.mark.django_db

NEW = "a-brand-new-passphrase-42"
CHANGE = "/account/password/"


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def can_log_in(username, password) -> bool:
    response = Client().post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.6.0.1")
    return response.status_code == 302


def token_works(key) -> bool:
    return Client().get("/api/v1/districts/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


# --- the user's own change ------------------------------------------------------------------------------------


def test_the_user_menu_links_to_the_change_password_page(school_user):
    page = signed_in(school_user).get(reverse("home"))
    assert f'href="{CHANGE}"' in page.content.decode() and "修改密码" in page.content.decode()
    assert signed_in(school_user).get(CHANGE).status_code == 200
    assert Client().get(CHANGE).status_code == 302  # anonymous: to the login page


def test_the_page_checks_the_old_password_the_repeat_and_the_validators(school_user):
    client = signed_in(school_user)
    cases = [
        ({"old_password": "wrong-password-000", "new_password1": NEW, "new_password2": NEW}, "old_password"),
        ({"old_password": TEST_PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"}, "new_password2"),
        ({"old_password": TEST_PASSWORD, "new_password1": "short1", "new_password2": "short1"}, "new_password2"),
        (
            {"old_password": TEST_PASSWORD, "new_password1": "123456789012345", "new_password2": "123456789012345"},
            "new_password2",
        ),
    ]
    for data, field in cases:
        response = client.post(CHANGE, data)
        assert response.status_code == 200, data
        assert response.context["form"].errors.get(field), (data, response.context["form"].errors)
    assert can_log_in("school-a", TEST_PASSWORD)


def test_a_change_keeps_this_session_ends_the_others_revokes_tokens_and_is_audited(school_user):
    here, elsewhere = signed_in(school_user), signed_in(school_user)
    key = api_token(school_user)
    response = here.post(CHANGE, {"old_password": TEST_PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert here.get(reverse("home")).context["user"].is_authenticated
    assert elsewhere.get(CHANGE).status_code == 302  # the other browser is signed out
    assert not token_works(key)
    assert can_log_in("school-a", NEW) and not can_log_in("school-a", TEST_PASSWORD)
    event = AuditEvent.objects.get(action="password_change")
    assert event.actor == school_user and event.object_id == str(school_user.pk)
    assert event.district_id == school_user.profile.school.district_id
    assert NEW not in str(event.detail) and event.detail == {"by": "self"}


def test_the_page_is_translated(school_user):
    client = signed_in(school_user)
    client.cookies["django_language"] = "en"
    html = client.get(CHANGE).content.decode()
    assert "Change password" in html and "Current password" in html and "修改密码" not in html


# --- an administrator's reset ---------------------------------------------------------------------------------


@pytest.fixture
def people(
    district1,
    district2,
    school_a,
    school_b,
    institution,
    city_user,
    district_user,
    district2_user,
    school_user,
    school_b_user,
    institution_user,
):
    return {
        "city": city_user,
        "city2": f.user_with_role("city", username="city2"),
        "district1": district_user,
        "district1b": f.user_with_role("district", username="district1b", district=district1),
        "district2": district2_user,
        "school_a": school_user,
        "school_b": school_b_user,
        "institution": institution_user,
        "staff_admin": _admin_site_user(district1),
    }


def _admin_site_user(district):
    user = f.user_with_role("district", username="admin-site-staff", district=district)
    user.is_staff = True
    user.save()
    return user


def listed(client) -> set[str]:
    response = client.get(reverse("users"))
    assert response.status_code == 200
    return {u.username for u in response.context["accounts"]}


def test_who_may_reset_whom(people):
    # district staff: their district's staff, schools and institutions; never city staff, another district's
    # accounts, an account of the Django admin, or themselves
    assert listed(signed_in(people["district1"])) == {"district1b", "school-a", "inst"}
    assert listed(signed_in(people["district2"])) == {"school-b"}
    # city staff: every staff account but their own and the Django admin's
    assert listed(signed_in(people["city"])) == {
        "city2",
        "district1",
        "district1b",
        "district2",
        "school-a",
        "school-b",
        "inst",
    }
    # schools and institutions administer no one
    for role in ("school_a", "institution"):
        assert signed_in(people[role]).get(reverse("users")).status_code == 403
        url = reverse("user-password-reset", args=[people["district1b"].pk])
        assert signed_in(people[role]).post(url).status_code == 403
    # an account outside the scope is not found, and keeps its password
    district1 = signed_in(people["district1"])
    for other in ("school_b", "city", "staff_admin", "district1"):
        assert district1.post(reverse("user-password-reset", args=[people[other].pk])).status_code == 404
    assert can_log_in("school-b", TEST_PASSWORD) and can_log_in("city", TEST_PASSWORD)


def test_a_reset_shows_a_one_time_password_once_and_forces_a_change(people):
    school_user = people["school_a"]
    victim_session = signed_in(school_user)
    key = api_token(school_user)
    admin = signed_in(people["district1"])
    url = reverse("user-password-reset", args=[school_user.pk])
    assert admin.get(url).status_code == 200  # the confirmation asks before anything changes
    assert can_log_in("school-a", TEST_PASSWORD)
    response = admin.post(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    one_time = re.search(r'class="one-time-password">([^<]+)<', response.content.decode()).group(1)
    assert len(one_time) >= 12
    # the old password, the old session and the old token are gone
    assert not can_log_in("school-a", TEST_PASSWORD)
    assert victim_session.get(reverse("home")).context["user"].is_anonymous
    assert not token_works(key)
    event = AuditEvent.objects.get(action="password_reset")
    assert event.actor == people["district1"] and event.object_id == str(school_user.pk)
    assert one_time not in str(event.detail)
    # signed in with the one-time password, every page leads to the change-password page ...
    user = Client()
    assert (
        user.post(reverse("login"), {"username": "school-a", "password": one_time}, REMOTE_ADDR="10.6.0.2").status_code
        == 302
    )
    for path in (reverse("home"), "/homework/file/", reverse("users")):
        response = user.get(path)
        assert response.status_code == 302 and response["Location"].startswith(CHANGE), path
    assert user.get(CHANGE).status_code == 200
    # ... the API refuses, with the session and with a token alike, saying why
    refused = user.get("/api/v1/districts/")
    assert refused.status_code == 403 and refused.json()["code"] == "password_change_required"
    api = Client().post(
        reverse("api-token"),
        {"username": "school-a", "password": one_time},
        content_type="application/json",
        REMOTE_ADDR="10.6.0.3",
    )
    assert api.status_code == 403 and api.json()["code"] == "password_change_required"
    assert not AuthToken.objects.filter(user=school_user).exists()
    # once they choose their own password everything works again
    response = user.post(CHANGE, {"old_password": one_time, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert user.get(reverse("home")).status_code == 200
    assert user.get("/api/v1/districts/").status_code == 200
    assert token_works(
        Client()
        .post(
            reverse("api-token"),
            {"username": "school-a", "password": NEW},
            content_type="application/json",
            REMOTE_ADDR="10.6.0.4",
        )
        .json()["token"]
    )


def test_a_token_of_a_user_flagged_for_a_change_is_refused(school_user):
    key = api_token(school_user)
    type(school_user.profile).objects.filter(user=school_user).update(must_change_password=True)
    response = Client().get("/api/v1/districts/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 403 and response.json()["code"] == "password_change_required"


def test_city_staff_reset_a_district_account(people):
    admin = signed_in(people["city"])
    response = admin.post(reverse("user-password-reset", args=[people["district2"].pk]))
    assert response.status_code == 200
    one_time = re.search(r'class="one-time-password">([^<]+)<', response.content.decode()).group(1)
    assert can_log_in("district2", one_time)
    assert get_user_model().objects.get(username="district2").profile.must_change_password


def test_bureau_staff_find_the_password_resets_in_the_menu_and_others_do_not(district_user, city_user, school_user):
    users_url = reverse("users")
    for user in (district_user, city_user):
        assert f'href="{users_url}"' in signed_in(user).get(reverse("home")).content.decode()
    assert f'href="{users_url}"' not in signed_in(school_user).get(reverse("home")).content.decode()
