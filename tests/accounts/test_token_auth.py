"""API token authentication loads the user's role and district with the token; ``allows`` answers scope in Python."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.scoping import allows, restrict
from schools.models import District, School
from tests import factories as f

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {f.api_token(user)}")
    return client


def test_a_token_authenticates_with_its_role_in_one_query(district_user, school_a, school_b, django_assert_num_queries):
    client = token_client(district_user)
    with django_assert_num_queries(3):  # the token with its user, profile and district; the count; the page
        response = client.get(reverse("api:school-list"))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [school_a.pk]


def test_a_wrong_token_or_an_inactive_user_is_refused(district_user):
    # 403, not 401: session authentication comes first and sends no WWW-Authenticate challenge
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    url = reverse("api:dashboard-district", args=["110101"])
    assert client.get(url).status_code == 403
    client = token_client(district_user)
    assert client.get(url).status_code == 200
    district_user.is_active = False
    district_user.save()
    assert client.get(url).status_code == 403


def test_allows_agrees_with_restrict(
    city_user, district_user, district2_user, school_user, institution_user, district1, district2, school_a
):
    plain = f.UserFactory(username="norole")
    for user in (city_user, district_user, district2_user, plain, AnonymousUser()):
        for district in (district1, district2):
            assert allows(user, district) == restrict(District.objects.filter(pk=district.pk), user).exists()
        assert allows(user, school_a) == restrict(School.objects.filter(pk=school_a.pk), user).exists()
    assert allows(school_user, school_a) is True
    # a path across a relation (the districts of a school's or an institution's) needs the database
    assert allows(school_user, district1) is None
    assert allows(institution_user, district1) is None
    assert allows(institution_user, school_a) is False  # no path for the role: nothing


def test_a_deleted_token_a_changed_scope_and_a_user_without_a_role_take_effect_at_once(
    district_user, district2, admin_user
):
    own, other = (reverse("api:dashboard-district", args=[code]) for code in ("110101", district2.code))
    client = token_client(district_user)
    assert (client.get(own).status_code, client.get(other).status_code) == (200, 404)
    district_user.profile.district = district2  # moved to another district: the next request sees it
    district_user.profile.save()
    assert (client.get(own).status_code, client.get(other).status_code) == (404, 200)
    AuthToken.objects.filter(user=district_user).delete()
    assert client.get(other).status_code == 403
    admin = token_client(admin_user)  # a superuser has no profile, and is city staff
    assert admin.get(own).status_code == 200
