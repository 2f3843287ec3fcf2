"""A complaint routed or rerouted to a district notifies that district's staff, in the same transaction."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.services import complaint_reroute, complaint_submit
from notifications.choices import NotificationKind
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def submit(district):
    complaint, _secret = complaint_submit(
        target_kind="other",
        target_text="小区里的补习班",
        district=district,
        category="unlicensed",
        description="周末上课",
        occurred_on=timezone.localdate() - dt.timedelta(days=1),
    )
    return complaint


def test_a_new_complaint_notifies_its_districts_staff(district_user, district2_user, school_user, city_user):
    complaint = submit(district_user.profile.district)
    (n,) = Notification.objects.all()
    assert n.recipient == district_user
    assert n.kind == NotificationKind.COMPLAINT_ASSIGNED
    assert complaint.tracking_code in n.title and "无证" in n.title
    assert n.url == reverse("complaints:detail", args=[complaint.pk])


def test_rerouting_to_another_district_notifies_its_staff(district_user, district2_user):
    complaint = submit(district_user.profile.district)
    complaint_reroute(
        complaint=complaint, actor=district_user, reason="发生在西城区", district=district2_user.profile.district
    )
    n = Notification.objects.get(recipient=district2_user)
    assert n.kind == NotificationKind.COMPLAINT_ASSIGNED and "转来" in n.body
    assert Notification.objects.filter(recipient=district_user).count() == 1  # only the first routing


def test_rerouting_to_another_department_of_the_same_district_notifies_nobody_again(district_user):
    complaint = submit(district_user.profile.district)
    complaint_reroute(complaint=complaint, actor=district_user, reason="属于体育类", department="sports")
    assert Notification.objects.count() == 1


def test_a_complaint_entered_in_english_is_notified_in_chinese(district_user):
    from django.utils import translation

    with translation.override("en"):
        submit(district_user.profile.district)
    assert "无证" in Notification.objects.get().title
