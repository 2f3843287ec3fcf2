"""Findings, complaints and institution figures of a district dashboard, against a hand count."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f

from . import factories as df
from .conftest import DAYS

pytestmark = pytest.mark.django_db

RANGE = {"date_from": DAYS[0].isoformat(), "date_to": DAYS[-1].isoformat()}


def get(client, code="110101"):
    r = client.get(reverse("api:dashboard-district", args=[code]), RANGE)
    assert r.status_code == 200, r.content
    return r.json()


def test_findings_open_cleared_by_rule_and_severity(
    as_user, district_user, district1, district2, school_a, institution
):
    now = timezone.now()
    df.finding("HW-5-G36", district1, day=DAYS[0], school=school_a, first_seen=now - dt.timedelta(days=9))
    df.finding(
        "HW-5-G36",
        district1,
        day=DAYS[1],
        school=school_a,
        status="rectified",
        first_seen=now - dt.timedelta(days=10),
        changed=now - dt.timedelta(days=4),
    )
    df.finding(
        "HW-5-G36",
        district1,
        day=DAYS[2],
        school=school_a,
        status="cleared",
        first_seen=now - dt.timedelta(days=8),
        changed=now - dt.timedelta(days=6),
    )
    df.finding("HW-4-PUBLISH", district1, day=DAYS[2], school=school_a, status="dismissed")
    df.finding("TI-13-HOLIDAY", district1, day=DAYS[3], institution=institution, status="notified")
    df.finding("TI-12-NONPROFIT", district1, institution=institution)  # undated registration finding: counted
    df.finding("HW-5-G36", district1, day=DAYS[0] - dt.timedelta(days=30), school=school_a)  # out of range
    df.finding("HW-5-G36", district2, day=DAYS[0])  # another district
    data = get(as_user(district_user))["findings"]
    by_rule = {r["rule_id"]: r for r in data["by_rule"]}
    assert (by_rule["HW-5-G36"]["open"], by_rule["HW-5-G36"]["cleared"]) == (1, 2)
    assert by_rule["HW-5-G36"]["severity"] == "medium"
    assert by_rule["HW-4-PUBLISH"]["dismissed"] == 1
    assert (data["open"], data["cleared"], data["dismissed"]) == (3, 2, 1)
    assert data["avg_days_to_rectify"] == 4.0  # (6 + 2) / 2
    assert data["oldest_open_days"] == 9
    assert data["oldest_open_rule"] == "HW-5-G36"
    for sev in data["by_severity"]:  # each severity adds up its rules
        rules = [r for r in data["by_rule"] if r["severity"] == sev["severity"]]
        assert sev["open"] == sum(r["open"] for r in rules) and sev["cleared"] == sum(r["cleared"] for r in rules)
    assert next(s for s in data["by_severity"] if s["severity"] == "medium")["cleared"] == 2


def test_complaints_counts_and_median_working_days(as_user, district_user, district1, district2):
    mon = DAYS[0]
    today = timezone.localdate()
    df.complaint(district1, received_on=mon, accept_due=mon + dt.timedelta(days=1))  # overdue acceptance
    df.complaint(
        district1,
        received_on=mon,
        state="investigating",
        resolve_due=today + dt.timedelta(days=5),
        category="paid_tutoring",
    )
    df.complaint(district1, received_on=mon, state="resolved", resolved_at=df.at(DAYS[4], 10))  # 4 working days
    df.complaint(
        district1,
        received_on=DAYS[1],
        state="closed",
        resolved_at=df.at(DAYS[1] + dt.timedelta(days=13), 10),
        department="market_regulation",
    )  # Tue 10 -> Mon 23 Nov: 9 working days
    df.complaint(district1, received_on=mon, state="rejected")
    df.complaint(district2, received_on=mon)
    data = get(as_user(district_user))["complaints"]
    assert (data["received"], data["accepted"], data["resolved"], data["overdue"]) == (5, 3, 2, 1)
    assert data["median_working_days"] == 6.5
    by_cat = {c["category"]: c for c in data["by_category"]}
    assert by_cat["excessive_homework"]["received"] == 4 and by_cat["paid_tutoring"]["accepted"] == 1
    by_dep = {d["department"]: d for d in data["by_department"]}
    assert by_dep["market_regulation"]["resolved"] == 1


def test_institution_counts_sessions_and_prepayments(as_user, district_user, district1, district2, institution):
    other = f.InstitutionFactory(
        district=district1, category="non_subject", domain="arts", licence_status="expired", list_status="black"
    )
    f.InstitutionFactory(district=district2)
    df.prepayment(institution, paid_on=DAYS[0])
    df.prepayment(institution, paid_on=DAYS[1], months=6)
    df.prepayment(other, paid_on=DAYS[2], hours=80)
    df.prepayment(other, paid_on=DAYS[3], supervised=False)
    df.prepayment(other, paid_on=DAYS[0] - dt.timedelta(days=40), months=12)  # out of range
    df.finding("TI-13-LATE-OFFLINE", district1, day=DAYS[1], institution=institution)
    df.finding("TI-13-LATE-OFFLINE", district1, day=DAYS[2], institution=institution)
    data = get(as_user(district_user))["institutions"]
    assert data["total"] == 2
    assert data["by_category"] == {"subject": 1, "non_subject": 1}
    assert data["by_licence_status"] == {"valid": 1, "expired": 1}
    assert data["by_list_status"] == {"none": 1, "black": 1}
    assert data["prepayments"] == 4 and data["prepayments_over_limit"] == 3
    assert data["sessions_flagged"] == [
        {"rule_id": "TI-13-LATE-OFFLINE", "title": data["sessions_flagged"][0]["title"], "count": 2}
    ]
