"""The inbox page, opening a notification, marking all read, the header's unread count and the e-mail switch."""

import re

import pytest
from django.urls import reverse

from notifications import services
from notifications.choices import EmailState, NotificationKind
from notifications.models import Notification, NotificationSetting

pytestmark = pytest.mark.django_db


def note(user, title, *, url="/", kind=NotificationKind.OTHER):
    (n,) = services.notify(recipients=[user], kind=kind, title=title, url=url)
    return n


def signed_in(client, user):
    client.force_login(user)
    return client


def badge(html: str) -> str | None:
    m = re.search(r'class="badge"[^>]*>(\d+)<', html)
    return m.group(1) if m else None


def test_the_inbox_shows_only_ones_own_notifications_unread_first_then_newest(client, school_user, school_b_user):
    old_read = note(school_user, "已读的旧消息")
    services.notification_mark_read(notification=old_read)
    note(school_user, "未读的较早消息")
    newest_read = note(school_user, "已读的新消息")
    services.notification_mark_read(notification=newest_read)
    note(school_user, "未读的最新消息")
    note(school_b_user, "别的学校的消息")
    html = signed_in(client, school_user).get(reverse("notifications:inbox")).content.decode()
    titles = re.findall(r"(未读的最新消息|未读的较早消息|已读的新消息|已读的旧消息|别的学校的消息)", html)
    assert titles == ["未读的最新消息", "未读的较早消息", "已读的新消息", "已读的旧消息"]


def test_the_unread_filter_and_pages(client, school_user):
    for i in range(35):
        note(school_user, f"消息{i:02d}")
    services.notification_mark_read(notification=Notification.objects.get(title="消息00"))
    c = signed_in(client, school_user)
    first = c.get(reverse("notifications:inbox")).content.decode()
    assert "1 / 2" in first and "消息34" in first and "消息00" not in first
    second = c.get(reverse("notifications:inbox"), {"page": 2}).content.decode()
    assert "消息00" in second
    unread = c.get(reverse("notifications:inbox"), {"unread": "1", "page": 2}).content.decode()
    assert "消息00" not in unread and "消息01" in unread


def test_the_header_shows_the_unread_count_in_one_query(client, school_user, django_assert_num_queries):
    c = signed_in(client, school_user)
    assert badge(c.get(reverse("home")).content.decode()) is None  # nothing unread: no badge
    first = note(school_user, "一")
    note(school_user, "二")
    assert badge(c.get(reverse("home")).content.decode()) == "2"
    services.notification_mark_read(notification=first)
    assert badge(c.get(reverse("home")).content.decode()) == "1"
    from notifications.context_processors import unread

    request = type("R", (), {"user": school_user})()
    count = unread(request)["notifications_unread"]
    with django_assert_num_queries(1):
        assert count() == 1 and count() == 1  # asked twice by a template, counted once


def test_no_badge_and_no_query_for_an_anonymous_visitor(client):
    from notifications.context_processors import unread

    request = type("R", (), {"user": type("A", (), {"is_authenticated": False})()})()
    assert unread(request) == {}
    assert 'class="badge"' not in client.get(reverse("home")).content.decode()


def test_opening_a_notification_marks_it_read_and_goes_to_its_item(client, district_user):
    n = note(district_user, "新分派的投诉", url="/complaints/inbox/")
    response = signed_in(client, district_user).post(reverse("notifications:read", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == "/complaints/inbox/"
    n.refresh_from_db()
    assert n.read_at is not None
    first = n.read_at
    signed_in(client, district_user).post(reverse("notifications:read", args=[n.pk]))
    n.refresh_from_db()
    assert n.read_at == first  # the first reading is kept
    bare = note(district_user, "无链接", url="")
    response = client.post(reverse("notifications:read", args=[bare.pk]))
    assert response["Location"] == reverse("notifications:inbox")


def test_another_users_notification_is_not_found_and_stays_unread(client, school_user, school_b_user, city_user):
    theirs = note(school_b_user, "别人的")
    for user in (school_user, city_user):
        response = signed_in(client, user).post(reverse("notifications:read", args=[theirs.pk]))
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_marks_only_ones_own(client, school_user, school_b_user):
    for i in range(3):
        note(school_user, f"我的{i}")
    theirs = note(school_b_user, "别人的")
    response = signed_in(client, school_user).post(reverse("notifications:read-all"), follow=True)
    assert "已将 3 条消息标为已读" in response.content.decode()
    assert not Notification.objects.filter(recipient=school_user, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_switching_email_off_and_on_again(client, school_user):
    school_user.email = "school-a@example.edu.cn"
    school_user.save()
    c = signed_in(client, school_user)
    page = c.get(reverse("notifications:settings")).content.decode()
    assert 'name="email_enabled"' in page and "checked" in page  # on by default
    c.post(reverse("notifications:settings"), {})
    assert NotificationSetting.objects.get(user=school_user).email_enabled is False
    assert note(school_user, "关闭后").email_state == EmailState.NOT_WANTED
    assert "邮件提醒：未开启" in c.get(reverse("notifications:inbox")).content.decode()
    c.post(reverse("notifications:settings"), {"email_enabled": "on"})
    assert note(school_user, "开启后").email_state == EmailState.PENDING
    assert "邮件提醒：已开启" in c.get(reverse("notifications:inbox")).content.decode()


def test_the_pages_read_in_english(client, school_user):
    note(school_user, "一条消息")
    c = signed_in(client, school_user)
    html = c.get(reverse("notifications:inbox"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mark all as read" in html and "Notifications" in html


@pytest.mark.parametrize(
    ("name", "method", "args"),
    [
        ("notifications:inbox", "get", []),
        ("notifications:read", "post", [1]),
        ("notifications:read-all", "post", []),
        ("notifications:settings", "get", []),
        ("notifications:settings", "post", []),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, name, method, args):
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_reading_is_a_post_not_a_link(client, school_user):
    n = note(school_user, "不可用 GET 标记")
    response = signed_in(client, school_user).get(reverse("notifications:read", args=[n.pk]))
    assert response.status_code == 405
    n.refresh_from_db()
    assert n.read_at is None
