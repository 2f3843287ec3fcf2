"""The notifications API: the caller's own list (``?unread=1``), reading one, reading all; others' are 404."""

import pytest
from django.urls import reverse

from notifications import services
from notifications.choices import NotificationKind
from notifications.models import Notification
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def note(user, title):
    (n,) = services.notify(recipients=[user], kind=NotificationKind.REPORT_TO_REVIEW, title=title, url="/")
    return n


def test_the_list_holds_only_the_callers_own_in_a_fixed_number_of_queries(
    school_user, school_b_user, django_assert_num_queries
):
    for i in range(5):
        note(school_user, f"我的{i}")
    note(school_b_user, "别人的")
    api = client_for(school_user)
    api.get(reverse("api:notification-list"))  # the profile is loaded and kept with the user
    with django_assert_num_queries(2):  # the count; the page
        response = api.get(reverse("api:notification-list"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert [row["title"] for row in body["results"]] == [f"我的{i}" for i in range(4, -1, -1)]
    row = body["results"][0]
    assert row["kind"] == "report_to_review" and row["unread"] is True and row["read_at"] is None


def test_unread_filter_read_one_and_read_all(school_user):
    first, second, third = (note(school_user, t) for t in ("一", "二", "三"))
    api = client_for(school_user)
    response = api.post(reverse("api:notification-read", args=[first.pk]))
    assert response.status_code == 200 and response.json()["unread"] is False
    unread = api.get(reverse("api:notification-list"), {"unread": "1"}).json()
    assert {r["id"] for r in unread["results"]} == {second.pk, third.pk}
    response = api.post(reverse("api:notification-read-all"))
    assert response.status_code == 200 and response.json() == {"marked": 2}
    assert api.get(reverse("api:notification-list"), {"unread": "1"}).json()["count"] == 0


def test_another_users_notification_is_404_for_every_role(school_user, school_b_user, city_user, district_user):
    theirs = note(school_b_user, "别人的")
    for user in (school_user, city_user, district_user):
        api = client_for(user)
        assert api.get(reverse("api:notification-detail", args=[theirs.pk])).status_code == 404
        assert api.post(reverse("api:notification-read", args=[theirs.pk])).status_code == 404
        api.post(reverse("api:notification-read-all"))
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_anonymous_callers_are_refused(api, school_user):
    n = note(school_user, "x")
    # 403, not 401: session authentication comes first and sends no WWW-Authenticate challenge
    assert api.get(reverse("api:notification-list")).status_code == 403
    assert api.post(reverse("api:notification-read", args=[n.pk])).status_code == 403
    assert api.post(reverse("api:notification-read-all")).status_code == 403
    assert Notification.objects.get(pk=n.pk).read_at is None


def test_the_endpoints_are_in_the_openapi_schema(client):
    schema = client.get(reverse("schema"), HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert "get" in paths["/api/v1/notifications/"]
    assert {p["name"] for p in paths["/api/v1/notifications/"]["get"]["parameters"]} >= {"unread", "kind"}
    assert "post" in paths["/api/v1/notifications/{id}/read/"]
    assert "post" in paths["/api/v1/notifications/read-all/"]
    assert "NotificationKindEnum" in schema["components"]["schemas"]
