import datetime as dt

import pytest

from compliance import services
from compliance.choices import FindingStatus
from compliance.models import ComplianceRun, Finding, RuleParameter
from tests import factories as f

MON, TUE = dt.date(2026, 11, 9), dt.date(2026, 11, 10)
RULES = "/api/v1/compliance/rules/"
PARAMS = "/api/v1/compliance/parameters/"
RUNS = "/api/v1/compliance/runs/"
FINDINGS = "/api/v1/compliance/findings/"


@pytest.fixture
def findings(test_rules, big_class, big_class_b):
    run = services.run_create(date_from=MON, date_to=TUE, rule_ids=[test_rules.HEADCOUNT])
    services.run_execute_sync(run=run)
    return Finding.objects.order_by("id")


def test_rule_catalogue_shows_the_parameters_in_force(test_rules, as_user, city_user, django_assert_max_num_queries):
    RuleParameter.objects.create(key="test_max_headcount", value=48, effective_from=dt.date(2026, 6, 1), source="新")
    with django_assert_max_num_queries(4):
        r = as_user(city_user).get(RULES, {"subject": "class", "on": "2026-11-09"})
    assert r.status_code == 200
    rule = next(x for x in r.json()["results"] if x["id"] == test_rules.HEADCOUNT)
    assert rule["params"] == [
        {"key": "test_max_headcount", "value": 48, "effective_from": "2026-06-01", "source": "新"}
    ]
    assert rule["title_zh"] == "测试：班额超标" and rule["severity"] == "low" and rule["kind"] == "auto"
    earlier = as_user(city_user).get(f"{RULES}{test_rules.HEADCOUNT}/", {"on": "2026-03-01"}).json()
    assert earlier["params"][0]["value"] == 45
    assert as_user(city_user).get(f"{RULES}NO-SUCH/").status_code == 404


def test_only_city_staff_add_parameter_rows(
    test_rules, as_user, city_user, district_user, django_assert_max_num_queries
):
    body = {"key": "test_max_headcount", "value": 50, "effective_from": "2026-12-01", "source": "市教委文件"}
    assert as_user(district_user).post(PARAMS, body, format="json").status_code == 403
    r = as_user(city_user).post(PARAMS, body, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["created_by"] == "city"
    again = as_user(city_user).post(PARAMS, body, format="json")
    assert again.status_code == 409 and again.json()["fields"] == {"effective_from": ["已有取值"]}
    assert as_user(city_user).patch(f"{PARAMS}{r.json()['id']}/", {"value": 1}, format="json").status_code == 405
    with django_assert_max_num_queries(4):
        listed = as_user(district_user).get(PARAMS, {"key": "test_max_headcount"}).json()
    assert [row["value"] for row in listed["results"]] == [45, 50]


def test_a_run_started_through_the_api(test_rules, big_class, as_user, city_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = as_user(city_user).post(
            RUNS,
            {"date_from": "2026-11-09", "date_to": "2026-11-10", "rule_ids": [test_rules.HEADCOUNT]},
            format="json",
        )
    assert r.status_code == 202, r.json()
    body = as_user(city_user).get(f"{RUNS}{r.json()['id']}/").json()
    assert body["state"] == "done" and body["progress"] == 100.0 and body["new_count"] == 2
    assert body["started_by"] == "city" and body["trigger"] == "api"


def test_a_district_user_sweeps_only_their_district(
    test_rules, as_user, district_user, school_user, django_capture_on_commit_callbacks
):
    body = {"date_from": "2026-11-09", "date_to": "2026-11-09", "rule_ids": [test_rules.HEADCOUNT]}
    with django_capture_on_commit_callbacks(execute=True):
        r = as_user(district_user).post(RUNS, body, format="json")
    assert r.status_code == 202 and r.json()["district_codes"] == ["110101"]
    assert as_user(district_user).post(RUNS, {**body, "district_codes": ["110102"]}, format="json").status_code == 404
    assert as_user(school_user).post(RUNS, body, format="json").status_code == 403
    bad = as_user(district_user).post(RUNS, {**body, "rule_ids": ["NOPE"]}, format="json")
    assert bad.status_code == 400 and bad.json()["fields"] == {"rule_ids": ["NOPE"]}
    backwards = as_user(district_user).post(RUNS, {**body, "date_from": "2026-11-10"}, format="json")
    assert backwards.status_code == 400 and "date_to" in backwards.json()["fields"]


def test_runs_are_scoped(
    test_rules, as_user, district_user, district2_user, school_user, city_user, django_assert_max_num_queries
):
    own = services.run_create(date_from=MON, date_to=MON, district_codes=["110101"])
    services.run_create(date_from=MON, date_to=MON)  # the whole city
    with django_assert_max_num_queries(5):
        listed = as_user(district_user).get(RUNS).json()
    assert [r["id"] for r in listed["results"]] == [own.pk]
    assert as_user(district2_user).get(f"{RUNS}{own.pk}/").status_code == 404
    assert as_user(school_user).get(RUNS).json()["count"] == 0
    assert as_user(city_user).get(RUNS).json()["count"] == 2
    assert ComplianceRun.objects.count() == 2


def test_findings_list_filters_and_scoping(
    findings, as_user, city_user, district_user, school_b_user, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        r = as_user(city_user).get(FINDINGS, {"district": "110101", "date_from": "2026-11-10"})
    rows = r.json()["results"]
    assert [(x["district"], x["period_start"]) for x in rows] == [("110101", "2026-11-10")]
    assert rows[0]["rule_title"] == "测试：班额超标"
    assert as_user(city_user).get(FINDINGS, {"status": ["open", "cleared"]}).json()["count"] == 4
    assert as_user(city_user).get(FINDINGS, {"status": "dismissed"}).json()["count"] == 0
    assert as_user(district_user).get(FINDINGS).json()["count"] == 2
    assert {x["district"] for x in as_user(school_b_user).get(FINDINGS).json()["results"]} == {"110102"}


def test_another_districts_finding_is_not_found(findings, as_user, district2_user):
    theirs = findings.filter(district__code="110101").first()
    assert as_user(district2_user).get(f"{FINDINGS}{theirs.pk}/").status_code == 404
    r = as_user(district2_user).patch(f"{FINDINGS}{theirs.pk}/", {"status": "dismissed", "reason": "x"}, format="json")
    assert r.status_code == 404


def test_a_finding_of_a_retired_rule_has_no_severity_and_the_schema_says_so(findings, as_user, city_user):
    """A finding whose rule is no longer registered is listed with a null severity; the OpenAPI schema the
    clients are generated from must allow that null."""
    from drf_spectacular.generators import SchemaGenerator

    finding = findings.first()
    Finding.objects.filter(pk=finding.pk).update(rule_id="XX-RETIRED")
    listed = as_user(city_user).get(f"{FINDINGS}{finding.pk}/").json()
    assert listed["rule_title"] == "XX-RETIRED" and listed["severity"] is None
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    assert components["Finding"]["properties"]["severity"].get("nullable") is True
    assert components["FindingDetail"]["properties"]["severity"].get("nullable") is True


def test_status_change_through_patch_and_history_in_detail(
    findings, as_user, district_user, django_assert_max_num_queries
):
    finding = findings.filter(district__code="110101").first()
    url = f"{FINDINGS}{finding.pk}/"
    r = as_user(district_user).patch(url, {"status": "notified", "reason": "已书面通知"}, format="json")
    assert r.status_code == 200, r.json()
    assert [(e["to_status"], e["reason"]) for e in r.json()["events"]][-1] == ("notified", "已书面通知")
    illegal = as_user(district_user).patch(url, {"status": "open", "reason": "x"}, format="json")
    assert illegal.status_code == 400 and illegal.json()["code"] == "illegal_transition"
    no_reason = as_user(district_user).patch(url, {"status": "dismissed"}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    with django_assert_max_num_queries(5):
        detail = as_user(district_user).get(url).json()
    assert detail["evidence"] == {"headcount": 50, "limit": 45}
    assert detail["rule_hint"] == "减少班额"
    run = ComplianceRun.objects.get()
    assert [e["actor"] for e in detail["events"]] == [f"run {run.pk}", "district1"]


def test_a_school_may_only_mark_its_findings_rectifying_or_rectified(findings, as_user, school_user):
    finding = findings.filter(school=school_user.profile.school).first()
    url = f"{FINDINGS}{finding.pk}/"
    assert (
        as_user(school_user).patch(url, {"status": "dismissed", "reason": "不认可"}, format="json").status_code == 403
    )
    r = as_user(school_user).patch(url, {"status": "rectifying", "reason": "已分班"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == FindingStatus.RECTIFYING


def test_bureau_staff_record_a_case(test_rules, as_user, district_user, school_user, school_a, school_b):
    teacher = f.SchoolTeacherFactory(school=school_a)
    body = {
        "rule_id": test_rules.HEADCOUNT,
        "teacher": teacher.pk,
        "date": "2026-11-09",
        "summary": "家长投诉查实：教师布置超量作业",
        "evidence": {"complaint": "TS-1"},
    }
    r = as_user(district_user).post(FINDINGS, body, format="json")
    assert r.status_code == 201, r.json()
    created = Finding.objects.get(pk=r.json()["id"])
    assert (created.kind, created.school, created.teacher, created.district.code) == (
        "case",
        school_a,
        teacher,
        "110101",
    )
    assert r.json()["events"][0]["actor"] == "district1"
    # a subject of another district does not exist for them; an unknown rule is refused
    other = as_user(district_user).post(FINDINGS, {**body, "teacher": None, "school": school_b.pk}, format="json")
    assert other.status_code == 400 and "school" in other.json()["fields"]
    unknown = as_user(district_user).post(FINDINGS, {**body, "rule_id": "XX-1"}, format="json")
    assert unknown.status_code == 400 and "rule_id" in unknown.json()["fields"]
    assert as_user(school_user).post(FINDINGS, body, format="json").status_code == 403
