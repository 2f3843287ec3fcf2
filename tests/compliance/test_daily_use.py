"""The findings pages as a district officer and a school clerk use them every day: a readable evidence table,
the history's system actor, reasons in one language, filters for the caller's rules, counts per rule, page
numbers, a bulk status change with a reason, the export of the selection; run pages with names, not codes."""

import datetime as dt
import io
import itertools
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from compliance import registry
from compliance.choices import FindingStatus, RuleKind
from compliance.models import ComplianceRun, Finding, FindingEvent
from compliance.services.reconcile import REASON_FOUND
from tests import factories as f

DAY = dt.date(2026, 11, 10)
_fingerprints = itertools.count(1)

RULES = [
    ("HW-5-G36", "class"),
    ("TI-16-AD", "institution"),
    ("TE-26-PAID", "teacher"),
    ("AS-8-END", "school"),
]


@pytest.fixture
def rules():
    for rule_id, subject in RULES:
        if not registry.is_registered(rule_id):
            registry.case_rule(
                rule_id,
                article=0,
                title_zh=f"规则{rule_id}",
                title_en=f"Rule {rule_id}",
                severity="medium",
                subject=subject,
            )


def finding(district, *, rule_id="HW-5-G36", status=FindingStatus.OPEN, evidence=None, label="", **subjects):
    now = timezone.now()
    made = Finding.objects.create(
        rule_id=rule_id,
        kind=RuleKind.AUTO,
        district=district,
        status=status,
        period_start=DAY,
        evidence=evidence if evidence is not None else {"date": DAY.isoformat()},
        summary=f"测试线索{next(_fingerprints)}",
        fingerprint=f"test-{next(_fingerprints)}",
        first_seen=now,
        last_seen=now,
        status_changed_at=now,
        **subjects,
    )
    if label:
        FindingEvent.objects.create(finding=made, to_status=status, actor_label=label, reason=REASON_FOUND, at=now)
    return made


EVIDENCE = {
    "date": "2026-11-10",
    "class": "三年级1班",
    "mode": "online",
    "supervised": False,
    "course_id": 28,
    "by_subject": {"数学": 70, "语文": 20},
    "items": [
        {"kind": "written", "subject": "maths", "subject_zh": "数学", "minutes": 70, "at_home": True},
        {"kind": "reading", "subject": "chinese", "subject_zh": "语文", "minutes": 20, "at_home": True},
    ],
    "filed_at": "2026-11-10T21:05:00+08:00",
}


def test_a_school_reads_the_evidence_as_a_chinese_table_without_keys_or_json(client, rules, school_a, school_user):
    klass = f.SchoolClassFactory(school=school_a)
    run = ComplianceRun.objects.create(date_from=DAY, date_to=DAY, district_codes=[school_a.district.code])
    item = finding(school_a.district, evidence=EVIDENCE, school=school_a, school_class=klass, label=f"run {run.pk}")
    client.force_login(school_user)
    body = client.get(reverse("compliance:finding", args=[item.pk])).content.decode()
    section = body[body.index('<table class="evidence">') : body.index("处理记录")]
    for label in ("班级", "授课方式", "线上", "进入监管账户", "否", "各科时长（分钟）", "数学 70；语文 20", "作业明细"):
        assert label in section, label
    # the items are a table with a Chinese column per key, the codes by their names
    assert '<th scope="col" class="nowrap">科目</th>' in section and "书面" in section and "阅读" in section
    assert "2026-11-10 21:05" in section
    text = re.sub(r"<[^>]+>", " ", section)
    for raw in ("by_subject", "supervised", "course_id", "28", "{", '"', "online", "written", "subject_zh", "True"):
        assert raw not in text, raw
    # the sweep is named as the run, without a link to the bureau's run page; its reason in Chinese only
    history = body[body.index("处理记录") :]
    assert f"系统检查（第 {run.pk} 次）" in history
    assert reverse("compliance:run", args=[run.pk]) not in history
    assert "检查发现" in history and "found by a sweep" not in history


def test_the_bureau_follows_the_system_event_to_its_run_and_reads_english_in_english(
    client, rules, school_a, district_user
):
    run = ComplianceRun.objects.create(date_from=DAY, date_to=DAY, district_codes=[school_a.district.code])
    item = finding(
        school_a.district, evidence={"mode": "online", "supervised": True}, school=school_a, label=f"run {run.pk}"
    )
    client.force_login(district_user)
    body = client.get(reverse("compliance:finding", args=[item.pk])).content.decode()
    assert f'<a href="{reverse("compliance:run", args=[run.pk])}">系统检查（第 {run.pk} 次）</a>' in body
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("compliance:finding", args=[item.pk])).content.decode()
    history = body[body.index("<h2>History</h2>") :]
    assert "found by a sweep" in history and "检查发现" not in history
    assert f"System check (run {run.pk})" in history
    assert "Mode" in body and "Online" in body and "授课方式" not in body and "线上" not in body


def test_the_rule_filter_offers_only_the_rules_that_can_concern_the_caller(
    client, rules, school_user, institution_user, district_user
):
    def offered(user):
        client.force_login(user)
        form = client.get(reverse("compliance:findings")).context["filterset"].form
        return {value for value, _label in form.fields["rule"].choices if value}

    school_rules, institution_rules, bureau_rules = (
        offered(school_user),
        offered(institution_user),
        offered(district_user),
    )
    assert {"HW-5-G36", "TE-26-PAID", "AS-8-END"} <= school_rules and "TI-16-AD" not in school_rules
    assert "TI-16-AD" in institution_rules and not institution_rules & {"HW-5-G36", "TE-26-PAID", "AS-8-END"}
    assert {"HW-5-G36", "TI-16-AD", "TE-26-PAID", "AS-8-END"} <= bureau_rules


def test_the_list_counts_per_rule_numbers_its_pages_and_keeps_a_bounded_number_of_queries(
    client, rules, school_a, institution, district_user, django_assert_max_num_queries
):
    for _ in range(55):
        finding(school_a.district, school=school_a)
    for _ in range(3):
        finding(school_a.district, rule_id="TI-16-AD", institution=institution)
    client.force_login(district_user)
    with django_assert_max_num_queries(13):
        r = client.get(reverse("compliance:findings"))
    body = r.content.decode()
    counts = body[body.index('class="rule-counts"') : body.index("</ul>", body.index('class="rule-counts"'))]
    assert "HW-5-G36" in counts and '<span class="n">55</span>' in counts and '<span class="n">3</span>' in counts
    assert "rule=TI-16-AD" in counts
    # numbered pages: the current one marked, the next one a link
    assert '<span class="current" aria-current="page">1</span>' in body and 'page=2">2</a>' in body
    # dates and names do not wrap
    assert '<td class="num nowrap">2026-11-10</td>' in body


def test_a_district_officer_changes_the_status_of_the_chosen_findings_with_one_reason(
    client, rules, school_a, school_b, district_user
):
    one, two = finding(school_a.district, school=school_a), finding(school_a.district, school=school_a)
    cleared = finding(school_a.district, school=school_a, status=FindingStatus.CLEARED)
    theirs = finding(school_b.district, school=school_b)
    client.force_login(district_user)
    r = client.post(
        reverse("compliance:findings-bulk-status"),
        {
            "finding_ids": [one.pk, two.pk, cleared.pk, theirs.pk],
            "status": "dismissed",
            "reason": "同一问题重复报送",
            "next": reverse("compliance:findings") + "?status=open",
        },
        follow=True,
    )
    assert r.redirect_chain[-1][0] == reverse("compliance:findings") + "?status=open"
    texts = [str(m) for m in r.context["messages"]]
    assert "已将 2 条问题改为“已驳回”" in texts
    assert f"#{cleared.pk} 未变更：不能从“已消除”改为“已驳回”" in texts
    assert f"#{theirs.pk} 未变更：不存在或无权查看" in texts
    for item in (one, two):
        item.refresh_from_db()
        assert item.status == "dismissed"
        event = item.events.get()
        assert (event.actor, event.reason, event.from_status) == (district_user, "同一问题重复报送", "open")
        assert AuditEvent.objects.filter(object_id=str(item.pk), action="status_change").exists()
    cleared.refresh_from_db()
    theirs.refresh_from_db()
    assert (cleared.status, theirs.status) == ("cleared", "open")


def test_a_bulk_change_without_a_reason_changes_nothing_and_a_school_may_not_bulk_change(
    client, rules, school_a, district_user, school_user
):
    item = finding(school_a.district, school=school_a)
    client.force_login(district_user)
    r = client.post(
        reverse("compliance:findings-bulk-status"), {"finding_ids": [item.pk], "status": "dismissed"}, follow=True
    )
    assert "请填写变更原因" in [str(m) for m in r.context["messages"]]
    item.refresh_from_db()
    assert item.status == "open" and not item.events.exists()
    # only bureau staff set statuses in bulk (a school may only say it is rectifying, on the finding's page)
    client.force_login(school_user)
    r = client.post(
        reverse("compliance:findings-bulk-status"), {"finding_ids": [item.pk], "status": "rectifying", "reason": "x"}
    )
    assert r.status_code == 403
    item.refresh_from_db()
    assert item.status == "open"


def test_the_bureau_may_not_set_rectified_from_open_in_bulk(client, rules, school_a, district_user):
    item = finding(school_a.district, school=school_a)
    client.force_login(district_user)
    r = client.post(
        reverse("compliance:findings-bulk-status"),
        {"finding_ids": [item.pk], "status": "rectified", "reason": "已整改"},
        follow=True,
    )
    assert f"#{item.pk} 未变更：不能从“待处理”改为“已整改”" in [str(m) for m in r.context["messages"]]
    item.refresh_from_db()
    assert item.status == "open"


def test_the_export_holds_the_chosen_findings_readably_and_only_those_the_caller_may_see(
    client, rules, school_a, school_b, district_user
):
    chosen = finding(school_a.district, evidence={"mode": "online", "minutes": 45}, school=school_a)
    finding(school_a.district, school=school_a)  # not chosen
    theirs = finding(school_b.district, school=school_b)
    client.force_login(district_user)
    r = client.post(reverse("compliance:findings-export"), {"finding_ids": [chosen.pk, theirs.pk]})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "规则", "规则名称") and "证据" in rows[0]
    assert [row[0] for row in rows[1:]] == [chosen.pk]
    assert rows[1][1] == "HW-5-G36" and rows[1][8] == dt.datetime(2026, 11, 10)
    assert "授课方式：线上" in rows[1][-1] and "时长（分钟）：45" in rows[1][-1]


def test_run_pages_name_the_district_the_rules_and_the_trigger(
    client, rules, district1, district_user, django_assert_max_num_queries
):
    for _ in range(3):  # the names are read once for the page, not once per run
        ComplianceRun.objects.create(
            date_from=DAY, date_to=DAY, district_codes=[district1.code], scope_district=district1
        )
    run = ComplianceRun.objects.create(
        date_from=DAY,
        date_to=DAY,
        district_codes=[district1.code],
        scope_district=district1,
        rule_ids=["HW-5-G36"],
        trigger="schedule",
        errors=[{"rule": "HW-5-G36", "district": district1.code, "error": "数据库超时"}],
    )
    client.force_login(district_user)
    # as many with four runs as with one: session, user, profile, count, rows, district names, unread count, the
    # start form's district select (a server-side cursor: several statements), the session save
    with django_assert_max_num_queries(13):
        listing = client.get(reverse("compliance:runs")).content.decode()
    row = listing[listing.index(f'href="{reverse("compliance:run", args=[run.pk])}"') :]
    row = row[: row.index("</tr>")]
    assert district1.name in row and "定时任务" in row and district1.code not in row
    detail = client.get(reverse("compliance:run", args=[run.pk])).content.decode()
    title = registry.get_rule("HW-5-G36").title_zh
    assert f"<td>{district1.name}</td>" in detail, detail[detail.index("日期范围") :][:600]
    assert f"HW-5-G36 {title}" in detail
    assert f"<li>HW-5-G36 {district1.name}: 数据库超时</li>" in detail
    assert "schedule" not in detail.replace("data-", "")


def test_the_district_landing_page_links_the_compliance_runs(client, district_user):
    client.force_login(district_user)
    assert f'href="{reverse("compliance:runs")}"' in client.get("/").content.decode()
