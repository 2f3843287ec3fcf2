"""Corrections of a closed day through the API and the pages: requested by the school, approved (the rows replaced,
the old ones kept as a version, shown as corrected with the date) or rejected (nothing changes)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from compliance.models import FindingEvent, SweepRequest
from homework.models import HomeworkDay, HomeworkItem
from homework.selectors import share_token
from homework.services import homework_file
from notifications.models import Notification
from periods.models import Correction, DayVersion
from tests import clock

from .conftest import AFTER_CLOSE, HEADER, SCHOOL_DAY, item

pytestmark = pytest.mark.django_db

URL = "/api/v1/periods/corrections/"


def items_of(school_class):
    return sorted(HomeworkItem.objects.filter(school_class=school_class).values_list("subject", "minutes", "content"))


def request_correction(client, g4, g8=None, rows=None):
    classes = [g4.pk] + ([g8.pk] if g8 is not None else [])
    return client.post(
        URL,
        {
            "date": SCHOOL_DAY.isoformat(),
            "school_classes": classes,
            "reason": "数学作业时长录错，应为10分钟",
            "items": rows if rows is not None else [item(g4, minutes=10, content="口算练习（更正）")],
        },
        format="json",
    )


def test_a_school_requests_a_correction_and_the_district_is_told(closed, as_user, school_user, district_user, g4):
    resp = request_correction(as_user(school_user), g4)
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["status"] == "pending" and body["days"][0]["school_class"] == g4.pk
    assert body["days"][0]["base_version"] == 0
    # nothing changes until it is approved
    assert items_of(g4) == [("chinese", 15, "抄写生字"), ("maths", 20, "口算练习")]
    note = Notification.objects.get(recipient=district_user)
    assert note.kind == "correction_requested" and "2026-11-10" in note.title
    assert note.url == reverse("periods:detail", args=[body["id"]])
    event = AuditEvent.objects.get(object_type="periods.correction", action="create")
    assert event.actor == school_user and event.detail["class_ids"] == [g4.pk] and event.detail["rows"] == 1


def test_an_open_day_needs_no_correction(filed_day, as_user, school_user, g4):
    with clock.on_day(SCHOOL_DAY):
        resp = request_correction(as_user(school_user), g4)
    assert resp.status_code == 400 and "尚未截止填报" in resp.json()["detail"]
    assert Correction.objects.count() == 0


def test_rows_must_belong_to_the_corrections_classes_and_date(closed, as_user, school_user, g4, g8):
    resp = request_correction(
        as_user(school_user), g4, rows=[item(g8, subject="physics"), item(g4, day=SCHOOL_DAY - dt.timedelta(days=1))]
    )
    assert resp.status_code == 400
    fields = resp.json()["fields"]
    assert "不在本次更正的班级中" in fields["row 1"]["school_class"][0]
    assert "应为更正日期 2026-11-10" in fields["row 2"]["date"][0]
    assert Correction.objects.count() == 0


def test_only_the_school_asks_and_only_the_bureau_decides(closed, as_user, school_user, district_user, g4):
    assert request_correction(as_user(district_user), g4).status_code == 403
    pk = request_correction(as_user(school_user), g4).json()["id"]
    assert as_user(school_user).post(f"{URL}{pk}/approve/", {}, format="json").status_code == 403
    assert Correction.objects.get().status == "pending"


def test_another_districts_staff_do_not_find_the_correction(closed, as_user, school_user, district2_user, g4):
    pk = request_correction(as_user(school_user), g4).json()["id"]
    assert as_user(district2_user).post(f"{URL}{pk}/approve/", {}, format="json").status_code == 404
    assert as_user(district2_user).get(URL).json()["count"] == 0


def test_approval_replaces_the_rows_in_one_go_and_keeps_the_old_version(
    closed, as_user, school_user, district_user, g4, g8, django_capture_on_commit_callbacks
):
    first_filed = HomeworkDay.objects.get(school_class=g4).first_filed_at
    pk = request_correction(
        as_user(school_user), g4, g8, rows=[item(g4, minutes=10, content="口算练习（更正）")]
    ).json()["id"]
    audit_before = AuditEvent.objects.count()
    SweepRequest.objects.all().delete()  # the filing's own request
    with django_capture_on_commit_callbacks(execute=False):
        resp = as_user(district_user).post(f"{URL}{pk}/approve/", {"reason": "核实无误"}, format="json")
    assert resp.status_code == 200, resp.json()
    assert resp.json()["status"] == "approved"
    # four-one: only the corrected maths; eight-one: named without rows, so "no homework"
    assert items_of(g4) == [("maths", 10, "口算练习（更正）")]
    assert items_of(g8) == []
    assert HomeworkDay.objects.get(school_class=g8).no_homework
    day = HomeworkDay.objects.get(school_class=g4)
    assert day.first_filed_at == first_filed and day.last_filed_at > first_filed
    old = DayVersion.objects.get(school_class=g4)
    assert old.version == 1 and old.correction_id == pk
    assert sorted((i["subject"], i["minutes"]) for i in old.items) == [("chinese", 15), ("maths", 20)]
    assert [(i["subject"], i["minutes"]) for i in DayVersion.objects.get(school_class=g8).items] == [("physics", 30)]
    # counts per class-day, the audit event, the sweep of the day, the school told
    days = {d["school_class"]: d for d in resp.json()["days"]}
    assert (days[g4.pk]["items_before"], days[g4.pk]["items_after"]) == (2, 1)
    assert (days[g8.pk]["items_before"], days[g8.pk]["items_after"]) == (1, 0)
    [event] = AuditEvent.objects.filter(pk__gt=0).order_by("-id")[: AuditEvent.objects.count() - audit_before]
    assert event.action == "status_change" and event.actor == district_user
    assert event.detail["correction"] == "approved"
    assert (event.detail["items_before"], event.detail["items_after"]) == (3, 1)
    assert sorted(event.detail["class_ids"]) == sorted([g4.pk, g8.pk])
    assert list(SweepRequest.objects.values_list("school_id", "date", "reason")) == [
        (g4.school_id, SCHOOL_DAY, "homework-correction")
    ]
    assert Notification.objects.get(recipient=school_user, kind="correction_decided").title.endswith("已批准")


def test_rejection_changes_nothing_but_the_requests_status(closed, as_user, school_user, district_user, g4):
    pk = request_correction(as_user(school_user), g4).json()["id"]
    before = items_of(g4)
    assert as_user(district_user).post(f"{URL}{pk}/reject/", {}, format="json").status_code == 400  # a reason
    resp = as_user(district_user).post(f"{URL}{pk}/reject/", {"reason": "请附上教师说明"}, format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "rejected"
    assert resp.json()["decision_reason"] == "请附上教师说明"
    assert items_of(g4) == before and DayVersion.objects.count() == 0
    assert AuditEvent.objects.filter(object_type="periods.correction", detail__correction="rejected").count() == 1
    assert "驳回" in Notification.objects.get(recipient=school_user, kind="correction_decided").title
    # a decided request is not decided again
    again = as_user(district_user).post(f"{URL}{pk}/approve/", {}, format="json")
    assert again.status_code == 409 and items_of(g4) == before


def test_a_second_correction_asked_against_the_old_version_is_refused(closed, as_user, school_user, district_user, g4):
    first = request_correction(as_user(school_user), g4).json()["id"]
    second = request_correction(as_user(school_user), g4, rows=[item(g4, minutes=5)]).json()["id"]
    assert as_user(district_user).post(f"{URL}{first}/approve/", {}, format="json").status_code == 200
    resp = as_user(district_user).post(f"{URL}{second}/approve/", {}, format="json")
    assert resp.status_code == 409 and "另一份更正" in resp.json()["detail"]
    assert items_of(g4) == [("maths", 10, "口算练习（更正）")]
    assert Correction.objects.get(pk=second).status == "pending"


def test_a_finding_on_the_old_data_shows_the_approved_correction_in_its_history(
    as_user, school_user, district_user, district1, g4
):
    from tests.homework.conftest import sweep

    with clock.on_day(SCHOOL_DAY):  # 70 minutes of written homework: over grade 4's 60
        homework_file(user=school_user, items=[item(g4, minutes=70)])
    [finding] = sweep("HW-5-G36", district1, SCHOOL_DAY)
    with clock.at(AFTER_CLOSE):
        pk = request_correction(as_user(school_user), g4, rows=[item(g4, minutes=40)]).json()["id"]
        assert as_user(district_user).post(f"{URL}{pk}/approve/", {}, format="json").status_code == 200
    [event] = FindingEvent.objects.filter(finding=finding, reason__startswith="审批更正")
    assert f"#{pk}" in event.reason
    assert event.actor == district_user and event.to_status == event.from_status == "open"
    # the sweep the approval asked for clears it afterwards: the history holds both, the correction first
    assert sweep("HW-5-G36", district1, SCHOOL_DAY) == []
    finding.refresh_from_db()
    assert finding.status == "cleared"
    history = list(finding.events.order_by("id").values_list("to_status", "reason"))
    assert history[-2][1].startswith("审批更正") and history[-1][0] == "cleared"


# -- the pages --------------------------------------------------------------------------------


def browser_for(user):
    c = Client()
    c.force_login(user)
    return c


def form_data(g4, **extra):
    data = {
        "date": SCHOOL_DAY.isoformat(),
        "school_classes": [g4.pk],
        "reason": "语文作业漏填",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-0-school_class": g4.pk,
        "items-0-subject": "maths",
        "items-0-kind": "written",
        "items-0-minutes": "20",
        "items-0-at_home": "on",
        "items-0-content": "口算练习",
        "items-1-school_class": g4.pk,
        "items-1-subject": "english",
        "items-1-kind": "oral",
        "items-1-minutes": "10",
        "items-1-at_home": "on",
        "items-1-content": "朗读课文",
    }
    data.update(extra)
    return data


def test_the_pages_request_approve_and_publish_the_corrected_day(closed, school_user, district_user, g4):
    school = browser_for(school_user)
    resp = school.post(reverse("periods:new"), form_data(g4))
    correction = Correction.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse("periods:detail", args=[correction.pk])
    assert "待审批" in school.get(reverse("periods:list")).content.decode()
    district = browser_for(district_user)
    page = district.get(reverse("periods:detail", args=[correction.pk])).content.decode()
    assert "朗读课文" in page and 'id="decision-form"' in page
    resp = district.post(reverse("periods:detail", args=[correction.pk]), {"decision": "approve", "reason": ""})
    assert resp.status_code == 302
    assert items_of(g4) == [("english", 10, "朗读课文"), ("maths", 20, "口算练习")]
    # the class's staff see "corrected" with the date, and the replaced version in the day's history
    page = school.get(reverse("homework:publication", args=[g4.pk, SCHOOL_DAY.isoformat()])).content.decode()
    today = Correction.objects.get().decided_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    assert f"已更正（{today}）" in page and "更正历史" in page and "抄写生字" in page
    day_page = school.get(reverse("homework:file"), {"school_class": g4.pk, "date": "2026-11-10"}).content.decode()
    assert "更正历史" in day_page and "抄写生字" in day_page
    # the parents' link shows the corrected rows and the mark, not the old rows
    public = Client().get(reverse("homework:public-day", args=[share_token(g4), "2026-11-10"])).content.decode()
    assert f"已更正（{today}）" in public and "朗读课文" in public and "抄写生字" not in public


def test_the_page_rejection_needs_a_reason_and_changes_nothing(closed, school_user, district_user, g4):
    browser_for(school_user).post(reverse("periods:new"), form_data(g4))
    correction = Correction.objects.get()
    before = items_of(g4)
    district = browser_for(district_user)
    resp = district.post(reverse("periods:detail", args=[correction.pk]), {"decision": "reject", "reason": ""})
    assert resp.status_code == 200 and "请填写原因" in resp.content.decode()
    district.post(reverse("periods:detail", args=[correction.pk]), {"decision": "reject", "reason": "依据不足"})
    correction.refresh_from_db()
    assert correction.status == "rejected" and items_of(g4) == before


def test_a_correction_can_carry_its_rows_as_a_file_in_the_upload_layout(closed, school_user, g4):
    csv = (HEADER + f"{g4.pk},,4,2026-11-10,数学,书面,12,是,否,否,否,否,否,订正\n").encode()
    upload = SimpleUploadedFile("fix.csv", csv, content_type="text/csv")
    resp = browser_for(school_user).post(reverse("periods:new"), {**form_data(g4), "file": upload})
    assert resp.status_code == 302
    correction = Correction.objects.get()
    assert correction.file_name == "fix.csv"
    assert [(r["subject"], r["minutes"], r["content"]) for r in correction.rows] == [("maths", 12, "订正")]


def test_a_bad_row_of_the_file_is_named_and_nothing_is_requested(closed, school_user, g4):
    csv = (HEADER + f"{g4.pk},,4,2026-11-10,数学,书面,999,是,否,否,否,否,否,\n").encode()
    upload = SimpleUploadedFile("fix.csv", csv, content_type="text/csv")
    resp = browser_for(school_user).post(reverse("periods:new"), {**form_data(g4), "file": upload})
    page = resp.content.decode()
    assert resp.status_code == 200 and "0 到 300" in page and "fix.csv" not in page
    assert Correction.objects.count() == 0


def test_the_list_is_paged_sorted_and_scoped(
    closed, as_user, school_user, district_user, district2_user, g4, django_assert_max_num_queries
):
    for _ in range(3):
        request_correction(as_user(school_user), g4)
    with django_assert_max_num_queries(6):
        body = as_user(district_user).get(URL).json()
    assert body["count"] == 3
    assert as_user(district2_user).get(URL).json()["count"] == 0
    page = browser_for(district_user).get(reverse("periods:list"), {"status": "pending", "sort": "-date"})
    assert page.status_code == 200 and page.content.decode().count('href="/periods/corrections/') == 3


def _accepted_november(district):
    from dashboards.models import MonthlyReport

    now = timezone.now()
    return MonthlyReport.objects.create(
        district=district,
        month=SCHOOL_DAY.replace(day=1),
        state="accepted",
        frozen_at=now,
        submitted_at=now,
        accepted_at=now,
    )


def test_a_month_the_city_accepted_refuses_corrections_until_the_city_reopens_it(
    closed, as_user, school_user, district_user, city_user, g4
):
    from dashboards.services import report_reopen

    pending = request_correction(as_user(school_user), g4).json()["id"]
    report = _accepted_november(g4.school.district)
    # a new request and the approval of one asked before the acceptance are both refused; nothing changes
    refused = request_correction(as_user(school_user), g4)
    assert refused.status_code == 409 and refused.json()["code"] == "month_locked"
    assert "2026-11" in refused.json()["detail"] and "重新开放" in refused.json()["detail"]
    before = items_of(g4)
    approve = as_user(district_user).post(f"{URL}{pending}/approve/", {}, format="json")
    assert approve.status_code == 409 and approve.json()["code"] == "month_locked"
    assert items_of(g4) == before and Correction.objects.get(pk=pending).status == "pending"
    # the city reopens the month (audited): the correction goes through
    report_reopen(actor=city_user, report=report, reason="东城区申请更正11月10日作业数据")
    assert as_user(district_user).post(f"{URL}{pending}/approve/", {}, format="json").status_code == 200
    assert items_of(g4) == [("maths", 10, "口算练习（更正）")]
