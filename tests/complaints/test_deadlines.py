"""Deadlines in working days on the calendar, and the CP-18 rules flagging overdue complaints in a sweep."""

import datetime as dt

import pytest
from django.utils import timezone

from complaints.services import complaint_transition
from compliance.models import Finding
from compliance.services import run_create, run_execute_sync

from .helpers import at, frozen, submit

pytestmark = pytest.mark.django_db


def test_accept_deadline_skips_the_national_day_holiday(district1, monkeypatch):
    c, _ = submit(
        when=at(2026, 9, 30, 16),
        monkeypatch=monkeypatch,
        target_kind="other",
        target_text="培训班",
        district=district1,
        occurred_on=dt.date(2026, 9, 29),
    )
    assert c.received_on == dt.date(2026, 9, 30)
    assert c.accept_due == dt.date(2026, 10, 8)


def test_resolve_deadline_counts_working_days_from_acceptance(district1, district_user, monkeypatch):
    c, _ = submit(
        when=at(2026, 9, 29),
        monkeypatch=monkeypatch,
        target_kind="other",
        target_text="培训班",
        district=district1,
        occurred_on=dt.date(2026, 9, 28),
    )
    with frozen(monkeypatch, at(2026, 9, 29, 15)):
        c = complaint_transition(complaint=c, to_state="accepted", actor=district_user)
    # 15 working days after 29 September: 30 Sep; 8, 9, 10 (a make-up Saturday) Oct; 12–16; 19–23; 26
    assert c.resolve_due == dt.date(2026, 10, 26)


def test_unknown_calendar_year_leaves_the_deadline_open_and_says_why(district1, monkeypatch):
    c, _ = submit(
        when=at(2031, 3, 3),
        monkeypatch=monkeypatch,
        target_kind="other",
        target_text="培训班",
        district=district1,
        occurred_on=dt.date(2031, 3, 2),
    )
    assert c.accept_due is None
    assert "2031" in c.deadline_note
    assert c.events.filter(kind="deadline").exists()


def _sweep(district, rule_ids, date_from, date_to):
    run = run_create(date_from=date_from, date_to=date_to, district_codes=[district.code], rule_ids=rule_ids)
    return run_execute_sync(run=run)


def test_cp_accept_flags_an_overdue_complaint_only(district1, district_user, monkeypatch):
    old, _ = submit(
        when=at(2026, 9, 30),
        monkeypatch=monkeypatch,
        target_kind="other",
        target_text="培训班A",
        district=district1,
        occurred_on=dt.date(2026, 9, 29),
    )
    answered_in_time, _ = submit(
        when=at(2026, 9, 30),
        monkeypatch=monkeypatch,
        target_kind="other",
        target_text="培训班B",
        district=district1,
        occurred_on=dt.date(2026, 9, 29),
    )
    with frozen(monkeypatch, at(2026, 10, 8, 17)):
        complaint_transition(complaint=answered_in_time, to_state="accepted", actor=district_user)
    fresh, _ = submit(target_kind="other", target_text="培训班C", district=district1)
    assert timezone.localdate() > old.accept_due  # the test runs after October 2026

    run = _sweep(district1, ["CP-18-ACCEPT"], dt.date(2026, 9, 1), timezone.localdate())
    assert run.state == "done", run.errors
    findings = Finding.objects.filter(rule_id="CP-18-ACCEPT")
    assert [f.evidence["complaint"] for f in findings] == [old.tracking_code]
    f = findings.get()
    assert f.evidence["accept_due"] == "2026-10-08" and f.period_start == dt.date(2026, 9, 30)
    assert fresh.tracking_code not in str(list(findings.values_list("evidence", flat=True)))

    # answering late keeps the finding (the deadline was missed), and a second sweep changes nothing
    complaint_transition(complaint=old, to_state="rejected", actor=district_user, reason="重复投诉")
    _sweep(district1, ["CP-18-ACCEPT"], dt.date(2026, 9, 1), timezone.localdate())
    f.refresh_from_db()
    assert f.status == "open" and Finding.objects.filter(rule_id="CP-18-ACCEPT").count() == 1
    assert f.evidence["responded_on"] == timezone.localdate().isoformat()


def test_cp_resolve_flags_an_unresolved_complaint(district1, district_user, monkeypatch):
    c, _ = submit(
        when=at(2026, 9, 29),
        monkeypatch=monkeypatch,
        target_kind="other",
        target_text="培训班",
        district=district1,
        occurred_on=dt.date(2026, 9, 28),
    )
    with frozen(monkeypatch, at(2026, 9, 29, 15)):
        complaint_transition(complaint=c, to_state="accepted", actor=district_user)
    _sweep(district1, ["CP-18-RESOLVE", "CP-18-ACCEPT"], dt.date(2026, 9, 1), timezone.localdate())
    assert Finding.objects.filter(rule_id="CP-18-RESOLVE").get().evidence["resolve_due"] == "2026-10-26"
    assert not Finding.objects.filter(rule_id="CP-18-ACCEPT").exists()


def test_the_nightly_schedule_flags_a_complaint_left_unanswered(
    district1, monkeypatch, django_capture_on_commit_callbacks
):
    from complaints.tasks import beat_schedule
    from compliance.services import run_nightly

    submit(
        when=timezone.now() - dt.timedelta(days=20),
        monkeypatch=monkeypatch,
        target_kind="other",
        target_text="培训班",
        district=district1,
        occurred_on=timezone.localdate() - dt.timedelta(days=21),
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_nightly(night=timezone.localdate())  # the first night: what was recorded before is checked once
    assert Finding.objects.filter(rule_id="CP-18-ACCEPT", district=district1).count() == 1
    assert beat_schedule()["complaints-check-deadlines"]["schedule"] == 300.0


def test_deadline_and_overdue_flag_in_the_api(district1, district_user, as_user, monkeypatch):
    c, _ = submit(
        when=at(2026, 9, 30),
        monkeypatch=monkeypatch,
        target_kind="other",
        target_text="培训班",
        district=district1,
        occurred_on=dt.date(2026, 9, 29),
    )
    row = as_user(district_user).get("/api/v1/complaints/").json()["results"][0]
    assert row["accept_due"] == "2026-10-08" and row["next_due"] == "2026-10-08" and row["overdue"] is True


@pytest.mark.parametrize("rule_id", ["CP-18-ACCEPT", "CP-18-RESOLVE"])
def test_cp_rules_read_their_complaints_in_one_query_however_many(
    rule_id, district1, district_user, monkeypatch, django_assert_max_num_queries
):
    from compliance.parameters import parameter_segments
    from compliance.registry import SweepContext, get_rule

    for n in range(4):
        c, _ = submit(
            when=at(2026, 9, 29),
            monkeypatch=monkeypatch,
            target_kind="other",
            target_text=f"培训班{n}",
            district=district1,
            occurred_on=dt.date(2026, 9, 28),
        )
        if rule_id == "CP-18-RESOLVE":
            with frozen(monkeypatch, at(2026, 9, 29, 15)):
                complaint_transition(complaint=c, to_state="accepted", actor=district_user)
    rule = get_rule(rule_id)
    [(start, end, params)] = parameter_segments(rule.params, dt.date(2026, 9, 1), dt.date(2026, 10, 31))
    ctx = SweepContext(rule=rule, districts=(district1,), date_from=start, date_to=end, params=params)
    with django_assert_max_num_queries(1):
        violations = list(rule.func(ctx))
    assert len(violations) == 4
    assert {v.district_id for v in violations} == {district1.pk}
