"""Notification e-mail through a real SMTP server: delivered with the right subject and recipient, never failing
the action when the server is down, and delivered exactly once after it comes back."""

import datetime as dt
import threading

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from complaints.services import complaint_submit
from notifications import services, tasks
from notifications.choices import EmailState, NotificationKind
from notifications.models import Notification
from schools.models import District
from tests import factories as f

pytestmark = pytest.mark.django_db


def submit_complaint(district):
    complaint, _secret = complaint_submit(
        target_kind="other",
        target_text="小区里的补习班",
        district=district,
        category="unlicensed",
        description="周末有人在小区里办补习班。",
        occurred_on=timezone.localdate() - dt.timedelta(days=1),
        contact_name="张三",
        contact_phone="13800000000",
    )
    return complaint


def test_a_notice_email_is_received_by_the_smtp_server(smtp, school_staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = services.notify_school(
            school_staff.profile.school,
            kind=NotificationKind.NOTICE_RECEIVED,
            title="整改通知 东城〔2026〕12号",
            body="请于 2026-11-20 前提交整改报告。",
            url="/compliance/findings/",
        )
    assert smtp.recipients() == [["school-a@example.edu.cn"]]
    (message,) = smtp.messages
    # the header is folded onto the next line; the folding space is not part of the subject
    assert message["Subject"].strip() == "【北京市“双减”监管平台】整改通知 东城〔2026〕12号"
    assert message["To"] == "school-a@example.edu.cn"
    text = message.get_body(("plain",)).get_content()
    assert "收到整改通知" in text and "请于 2026-11-20 前提交整改报告。" in text
    assert "English: a new notification" in text and "(Rectification notice received)" in text
    assert "https://shuangjian.example.gov.cn/compliance/findings/" in text
    assert message.get_body(("html",)) is not None
    notification.refresh_from_db()
    assert notification.email_state == EmailState.SENT
    assert notification.email_attempts == 1
    assert notification.email_sent_at is not None


def test_a_new_complaint_emails_the_staff_of_its_district_only(
    smtp, district_staff, district2_user, django_capture_on_commit_callbacks
):
    district2_user.email = "district2@example.gov.cn"
    district2_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        complaint = submit_complaint(district_staff.profile.district)
    assert smtp.recipients() == [["district1@example.gov.cn"]]
    subject = smtp.messages[0]["Subject"]
    assert complaint.tracking_code in subject and "新分派的投诉" in subject
    # nothing of the complainant leaves the portal in the mail
    raw = smtp.received[0].original_content.decode("utf-8", "replace")
    assert "13800000000" not in raw and "张三" not in smtp.messages[0].get_body(("plain",)).get_content()


def test_with_the_smtp_server_down_the_action_succeeds_and_the_beat_delivers_once_it_is_back(
    smtp, district_staff, django_capture_on_commit_callbacks
):
    smtp.stop()
    with django_capture_on_commit_callbacks(execute=True):
        complaint = submit_complaint(district_staff.profile.district)  # does not raise
    assert complaint.pk is not None
    notification = Notification.objects.get(recipient=district_staff)
    assert notification.kind == NotificationKind.COMPLAINT_ASSIGNED
    # the task tried and recorded why it failed (a worker retries it with backoff; in-process, the beat does)
    assert notification.email_state == EmailState.FAILED
    assert notification.email_attempts >= 1
    assert "Connection" in notification.email_error or "refused" in notification.email_error.lower()

    # still down: the beat entry tries once and stops the batch; nothing is marked sent
    assert tasks.resend_emails.apply().get() == 0
    notification.refresh_from_db()
    assert notification.email_state == EmailState.FAILED

    smtp.start()
    assert tasks.resend_emails.apply().get() == 1
    assert tasks.resend_emails.apply().get() == 0  # the next tick finds nothing to send
    assert smtp.recipients() == [["district1@example.gov.cn"]]
    notification.refresh_from_db()
    assert notification.email_state == EmailState.SENT
    assert notification.email_error == ""


def test_a_mail_whose_task_was_lost_is_sent_by_the_beat_after_a_minute(smtp, district_staff):
    # no commit callbacks run: as if the broker had lost the task
    (notification,) = services.notify(
        recipients=[district_staff], kind=NotificationKind.OTHER, title="测试消息", url="/"
    )
    assert notification.email_state == EmailState.PENDING
    assert services.notification_emails_resend() == 0  # just created: its own task may still be on its way
    later = timezone.now() + dt.timedelta(minutes=2)
    assert services.notification_emails_resend(now=later) == 1
    assert services.notification_emails_resend(now=later) == 0
    assert len(smtp.received) == 1


def test_a_mail_is_sent_once_however_often_its_task_runs(smtp, district_staff):
    (notification,) = services.notify(recipients=[district_staff], kind=NotificationKind.OTHER, title="一次", url="/")
    for _ in range(3):
        tasks.send_email.apply(args=[notification.pk]).get()
    assert len(smtp.received) == 1


def test_with_email_switched_off_no_mail_is_sent(smtp, district_staff, django_capture_on_commit_callbacks):
    services.notification_email_set(user=district_staff, enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = services.notify(recipients=[district_staff], kind=NotificationKind.OTHER, title="关")
    assert notification.email_state == EmailState.NOT_WANTED
    assert services.notification_emails_resend(now=timezone.now() + dt.timedelta(minutes=5)) == 0
    assert smtp.received == []
    assert Notification.objects.filter(recipient=district_staff).count() == 1  # the inbox still has it


def test_switching_email_off_withdraws_the_mails_not_yet_sent(smtp, district_staff):
    (notification,) = services.notify(recipients=[district_staff], kind=NotificationKind.OTHER, title="待发")
    services.notification_email_set(user=district_staff, enabled=False)
    assert services.notification_emails_resend(now=timezone.now() + dt.timedelta(minutes=5)) == 0
    notification.refresh_from_db()
    assert notification.email_state == EmailState.NOT_WANTED
    assert smtp.received == []


def test_no_mail_without_an_address_or_when_the_caller_asks_for_none(smtp, district_user, school_staff):
    rows = services.notify(recipients=[district_user], kind=NotificationKind.OTHER, title="无邮箱")
    rows += services.notify(recipients=[school_staff], kind=NotificationKind.OTHER, title="只在站内", email=False)
    assert [n.email_state for n in rows] == [EmailState.NOT_WANTED, EmailState.NOT_WANTED]


def test_a_rolled_back_action_notifies_nobody(smtp, district_staff, django_capture_on_commit_callbacks):
    from django.db import transaction

    def failing_action():
        with transaction.atomic():
            services.notify(recipients=[district_staff], kind=NotificationKind.OTHER, title="回滚")
            raise RuntimeError("the action failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError, match="action failed"):
        failing_action()
    assert not Notification.objects.exists()
    assert smtp.received == []


def test_the_scope_helpers_reach_the_active_staff_of_that_scope(school_a, institution, district1, district2):
    school_staff = [f.user_with_role("school", username=f"s{i}", school=school_a, district=district1) for i in range(2)]
    gone = f.user_with_role("school", username="gone", school=school_a, district=district1)
    gone.is_active = False
    gone.save()
    inst = f.user_with_role("institution", username="i1", institution=institution)
    d1 = f.user_with_role("district", username="d1", district=district1)
    f.user_with_role("district", username="d2", district=district2)
    city = f.user_with_role("city", username="c1")
    kw = {"kind": NotificationKind.OTHER, "title": "范围"}
    assert {n.recipient_id for n in services.notify_school(school_a, **kw)} == {u.pk for u in school_staff}
    assert {n.recipient_id for n in services.notify_institution(institution, **kw)} == {inst.pk}
    assert {n.recipient_id for n in services.notify_district_staff(district1, **kw)} == {d1.pk}
    assert {n.recipient_id for n in services.notify_city_staff(**kw)} == {city.pk}


def test_notify_refuses_an_unknown_kind_and_a_link_out_of_the_portal(district_user):
    with pytest.raises(ValueError, match="unknown notification kind"):
        services.notify(recipients=[district_user], kind="gossip", title="x")
    for url in ("https://evil.example.com/", "//evil.example.com/", "javascript:alert(1)"):
        with pytest.raises(ValueError, match="links inside the portal"):
            services.notify(recipients=[district_user], kind=NotificationKind.OTHER, title="x", url=url)


def test_the_resend_entry_runs_every_five_minutes():
    assert tasks.beat_schedule()["notifications-resend-emails"] == {
        "task": "notifications.tasks.resend_emails",
        "schedule": 300.0,
    }


@pytest.mark.django_db(transaction=True)
def test_a_mail_another_worker_is_sending_is_skipped_not_sent_twice(smtp):
    district = District.objects.get(code="110101")
    user = f.user_with_role("district", username="busy", district=district)
    user.email = "busy@example.gov.cn"
    user.save()
    # a pending mail (not through notify: in autocommit its task would run at once)
    notification = Notification.objects.create(
        recipient=user, kind=NotificationKind.OTHER, title="并发", email_state=EmailState.PENDING
    )
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        with psycopg.connect(**params) as other, other.transaction():
            other.execute("SELECT id FROM notifications_notification WHERE id = %s FOR UPDATE", [notification.pk])
            locked.set()
            release.wait(10)

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        assert services.notification_email_send(notification_id=notification.pk) is False  # skipped, not waited on
        assert smtp.received == []
    finally:
        release.set()
        thread.join()
    assert services.notification_email_send(notification_id=notification.pk) is True
    assert services.notification_email_send(notification_id=notification.pk) is False
    assert len(smtp.received) == 1
