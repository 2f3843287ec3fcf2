"""The rectification loop: notice → report → review (return, resubmit, accept), deadlines, RX-OVERDUE."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from compliance import services
from compliance.choices import FindingStatus, NoticeState
from compliance.models import Finding, RectificationNotice, RectificationReport, ReportAttachment
from shuangjian.errors import ConflictError, ServiceError
from tests import factories as f
from tests.beat import local

ISSUED = dt.date(2026, 9, 29)  # a Tuesday before the National Day week


def _finding(rule_id, school_class, day, *, summary=None, **kw):
    now = timezone.now()
    return Finding.objects.create(
        rule_id=rule_id,
        district_id=school_class.school.district_id,
        school_id=school_class.school_id,
        school_class_id=school_class.pk,
        period_start=day,
        fingerprint=f"{rule_id}|{school_class.pk}|{day}",
        summary=summary or f"{rule_id} {day}",
        first_seen=now,
        last_seen=now,
        status_changed_at=now,
        **kw,
    )


def png(name="photo.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def page(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def open_findings(school_a):
    cls = f.SchoolClassFactory(school=school_a, grade=1)
    return [_finding("HW-5-G12", cls, ISSUED - dt.timedelta(days=i)) for i in range(1, 4)]


@pytest.fixture
def on_issue_day():
    with time_machine.travel(local(ISSUED, 10), tick=False) as traveller:
        yield traveller


def test_the_whole_loop_through_the_pages(on_issue_day, open_findings, school_a, district_user, school_user):
    district, school = page(district_user), page(school_user)
    ids = [x.pk for x in open_findings]
    # the district chooses the school's open findings on the list and issues one notice
    preview = district.post("/compliance/notices/new/", {"finding_ids": ids})
    assert preview.status_code == 200 and "2026-10-12" in preview.content.decode()  # 5 working days, holiday skipped
    response = district.post("/compliance/notices/new/", {"finding_ids": ids, "required_action": "停止布置书面作业"})
    notice = RectificationNotice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/compliance/notices/{notice.pk}/"
    assert (notice.school, notice.deadline, notice.working_days) == (school_a, dt.date(2026, 10, 12), 5)
    assert notice.number == f"{school_a.district.code}-2026-0001"
    assert set(Finding.objects.values_list("status", flat=True)) == {FindingStatus.NOTIFIED}

    # the school is told (its inbox) and sees it on its landing page, and answers with a photo
    from notifications.models import Notification

    assert Notification.objects.filter(recipient=school_user, kind="notice_received").count() == 1
    assert notice.number in school.get("/notifications/").content.decode()
    assert notice.number in school.get("/").content.decode()
    sheet = school.get(f"/compliance/notices/{notice.pk}/").content.decode()
    assert "整改通知书" in sheet and "2026-10-12" in sheet
    school.post(f"/compliance/notices/{notice.pk}/report/", {"text": "已停止布置书面作业", "files": [png()]})
    notice.refresh_from_db()
    assert notice.state == NoticeState.SUBMITTED
    assert set(Finding.objects.values_list("status", flat=True)) == {FindingStatus.SUBMITTED}
    attachment = ReportAttachment.objects.get()
    download = school.get(f"/compliance/attachments/{attachment.pk}/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")

    # a return needs a reason; the form keeps what was typed
    refused = district.post(f"/compliance/notices/{notice.pk}/review/", {"decision": "returned", "reason": ""})
    assert refused.status_code == 400 and "退回须说明理由" in refused.content.decode()
    district.post(f"/compliance/notices/{notice.pk}/review/", {"decision": "returned", "reason": "照片不清楚"})
    notice.refresh_from_db()
    assert (notice.state, notice.returns) == (NoticeState.RETURNED, 1)
    assert set(Finding.objects.values_list("status", flat=True)) == {FindingStatus.RECTIFYING}

    assert Notification.objects.filter(recipient=district_user, kind="report_to_review").exists()
    assert Notification.objects.filter(recipient=school_user, kind="report_returned").exists()
    school.post(f"/compliance/notices/{notice.pk}/report/", {"text": "已重新拍照", "files": [png("again.png")]})
    district.post(f"/compliance/notices/{notice.pk}/review/", {"decision": "accepted", "reason": ""})
    notice.refresh_from_db()
    assert notice.state == NoticeState.ACCEPTED
    for finding in Finding.objects.all():
        assert finding.status == FindingStatus.RECTIFIED
        assert list(finding.events.values_list("to_status", flat=True)) == [
            FindingStatus.NOTIFIED,
            FindingStatus.SUBMITTED,
            FindingStatus.RECTIFYING,
            FindingStatus.SUBMITTED,
            FindingStatus.RECTIFIED,
        ]
    assert list(RectificationReport.objects.values_list("decision", flat=True)) == ["returned", "accepted"]


def test_the_loop_through_the_api(on_issue_day, open_findings, as_user, district_user, school_user):
    ids = [x.pk for x in open_findings]
    created = as_user(district_user).post(
        "/api/v1/compliance/notices/", {"finding_ids": ids, "required_action": "整改"}, format="json"
    )
    assert created.status_code == 201, created.content
    notice_id = created.json()[0]["id"]
    assert created.json()[0]["deadline"] == "2026-10-12"
    answered = as_user(school_user).post(
        f"/api/v1/compliance/notices/{notice_id}/report/", {"text": "已整改", "files": [png()]}, format="multipart"
    )
    assert answered.status_code == 201, answered.content
    assert answered.json()["reports"][0]["attachments"][0]["content_type"] == "image/png"
    # the school cannot review its own report
    assert as_user(school_user).post(
        f"/api/v1/compliance/notices/{notice_id}/review/", {"decision": "accepted"}, format="json"
    ).status_code in (403, 404)
    reviewed = as_user(district_user).post(
        f"/api/v1/compliance/notices/{notice_id}/review/", {"decision": "accepted"}, format="json"
    )
    assert reviewed.status_code == 200 and reviewed.json()["state"] == "accepted"
    assert as_user(school_user).get("/api/v1/compliance/notices/").json()["count"] == 1


def test_a_school_cannot_mark_its_finding_rectified(open_findings, as_user, school_user):
    finding = open_findings[0]
    answer = as_user(school_user).patch(
        f"/api/v1/compliance/findings/{finding.pk}/", {"status": "rectified", "reason": "已整改"}, format="json"
    )
    assert answer.status_code in (400, 403)
    response = page(school_user).post(f"/compliance/findings/{finding.pk}/", {"status": "rectified", "reason": "x"})
    assert response.status_code == 400
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN and finding.events.count() == 0


def test_only_open_findings_of_the_callers_district_can_be_notified(open_findings, district2_user, district_user):
    with pytest.raises(ServiceError) as refused:  # another district's finding: as if it did not exist
        services.notices_issue(actor=district2_user, finding_ids=[open_findings[0].pk], required_action="x")
    assert refused.value.code == "not_found"
    services.notices_issue(actor=district_user, finding_ids=[open_findings[0].pk], required_action="整改")
    with pytest.raises(ConflictError):  # already under a notice
        services.notices_issue(actor=district_user, finding_ids=[open_findings[0].pk], required_action="整改")
    assert RectificationNotice.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("photo.png", b"MZ\x90\x00 not an image", "不是可接受的文件"),
        ("report.pdf", b"%PDF-1.4\n1 0 obj << /OpenAction << /JS (app.alert(1)) >> >>", "含有脚本"),
    ],
)
def test_a_bad_attachment_is_refused_naming_the_file_and_nothing_is_saved(
    on_issue_day, open_findings, district_user, school_user, name, content, why
):
    (notice,) = services.notices_issue(
        actor=district_user, finding_ids=[x.pk for x in open_findings], required_action="整改"
    )
    response = page(school_user).post(
        f"/compliance/notices/{notice.pk}/report/",
        {"text": "已整改", "files": [png(), SimpleUploadedFile(name, content)]},
    )
    body = response.content.decode()
    assert response.status_code == 400 and why in body and name in body and "已整改" in body  # typed text kept
    assert not RectificationReport.objects.exists() and not ReportAttachment.objects.exists()
    notice.refresh_from_db()
    assert notice.state == NoticeState.ISSUED


def test_an_unanswered_notice_escalates_once_after_its_deadline(open_findings, district_user, city_user):
    with time_machine.travel(local(ISSUED, 10), tick=False) as clock:
        (notice,) = services.notices_issue(
            actor=district_user, finding_ids=[x.pk for x in open_findings], required_action="整改"
        )
        for night in (dt.date(2026, 10, 12), dt.date(2026, 10, 13), dt.date(2026, 10, 14)):
            clock.move_to(local(night, 2))
            services.run_execute_sync(run=services.run_nightly(night=night))
    overdue = Finding.objects.filter(rule_id="RX-OVERDUE")
    assert overdue.count() == 1  # not on the deadline's own night; once, however many nights follow
    escalated = overdue.get()
    assert (escalated.period_start, escalated.school_id) == (dt.date(2026, 10, 12), notice.school_id)
    assert escalated.evidence["notice"] == notice.number
    from compliance.selectors import findings_visible

    assert findings_visible(user=city_user).filter(rule_id="RX-OVERDUE").exists()


def test_a_report_answered_on_the_deadline_awaiting_review_does_not_escalate_until_it_is_returned(
    open_findings, district_user, school_user, django_capture_on_commit_callbacks
):
    deadline = dt.date(2026, 10, 12)
    with time_machine.travel(local(ISSUED, 10), tick=False) as clock:
        (notice,) = services.notices_issue(
            actor=district_user, finding_ids=[x.pk for x in open_findings], required_action="整改"
        )
        clock.move_to(local(deadline, 17))
        services.report_submit(actor=school_user, notice=notice, text="已整改，附照片")
        for night in (dt.date(2026, 10, 13), dt.date(2026, 10, 14)):
            clock.move_to(local(night, 2))
            services.run_execute_sync(run=services.run_nightly(night=night))
        # the bureau's review time is not the school's delay
        assert not Finding.objects.filter(rule_id="RX-OVERDUE").exists()
        clock.move_to(local(dt.date(2026, 10, 14), 10))
        with django_capture_on_commit_callbacks(execute=True):
            services.report_review(actor=district_user, notice=notice, decision="returned", reason="照片不清楚")
    # returned after the deadline: the notice is overdue as of its deadline, at once
    escalated = Finding.objects.get(rule_id="RX-OVERDUE")
    assert (escalated.period_start, escalated.evidence["reason"]) == (deadline, "overdue")


def test_a_report_returned_twice_escalates(
    on_issue_day, open_findings, district_user, school_user, django_capture_on_commit_callbacks
):
    (notice,) = services.notices_issue(
        actor=district_user, finding_ids=[x.pk for x in open_findings], required_action="整改"
    )
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            services.report_submit(actor=school_user, notice=notice, text="已整改")
            services.report_review(actor=district_user, notice=notice, decision="returned", reason="不完整")
    escalated = Finding.objects.get(rule_id="RX-OVERDUE")
    assert escalated.evidence["reason"] == "returned_twice" and escalated.period_start == ISSUED


def test_refiling_clean_data_under_a_notice_does_not_clear_the_finding(on_issue_day, school_a, district_user):
    from homework.models import HomeworkDay

    cls = f.SchoolClassFactory(school=school_a, grade=4, academic_year=2026)
    day = dt.date(2026, 9, 24)  # its filing was due by 25 September, 20:00
    services.run_execute_sync(
        run=services.run_create(date_from=day, date_to=day, rule_ids=["HW-4-PUBLISH"], district_codes=["110101"])
    )
    finding = Finding.objects.get(rule_id="HW-4-PUBLISH", school_class=cls)
    services.notices_issue(actor=district_user, finding_ids=[finding.pk], required_action="补报作业")
    at = local(day, 19)
    HomeworkDay.objects.create(school_class=cls, school=school_a, date=day, first_filed_at=at, last_filed_at=at)
    services.run_execute_sync(
        run=services.run_create(date_from=day, date_to=day, rule_ids=["HW-4-PUBLISH"], district_codes=["110101"])
    )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.NOTIFIED and finding.data_corrected_at is not None


def test_the_subject_is_reminded_two_working_days_ahead_and_both_sides_told_of_a_miss_once(
    open_findings, district_user, school_user
):
    from notifications.models import Notification

    with time_machine.travel(local(ISSUED, 10), tick=False):
        (notice,) = services.notices_issue(
            actor=district_user, finding_ids=[x.pk for x in open_findings], required_action="整改"
        )
    assert notice.deadline == dt.date(2026, 10, 12)
    # 8 October: three working days to go (9th, the make-up Saturday 10th, 12th): nothing yet
    assert services.notices_remind(today=dt.date(2026, 10, 8)) == (0, 0)
    assert services.notices_remind(today=dt.date(2026, 10, 9)) == (1, 0)
    assert services.notices_remind(today=dt.date(2026, 10, 10)) == (0, 0)  # once
    assert services.notices_remind(today=dt.date(2026, 10, 13)) == (0, 1)
    assert services.notices_remind(today=dt.date(2026, 10, 14)) == (0, 0)
    kinds = list(Notification.objects.filter(recipient=school_user).values_list("kind", flat=True))
    assert kinds.count("deadline_soon") == 1 and kinds.count("overdue") == 1
    assert Notification.objects.filter(recipient=district_user, kind="overdue").count() == 1
