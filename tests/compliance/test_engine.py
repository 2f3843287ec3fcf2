import datetime as dt

import pytest

from compliance import registry, services
from compliance.choices import FindingStatus, RunState
from compliance.models import ComplianceRun, Finding, FindingEvent, RuleParameter
from compliance.parameters import MissingParameter, parameter_segments
from shuangjian.errors import ConflictError, ServiceError
from tests import factories as f

MON, TUE, WED = dt.date(2026, 11, 9), dt.date(2026, 11, 10), dt.date(2026, 11, 11)


def sweep(rule_id, date_from=MON, date_to=WED, **kw):
    run = services.run_create(date_from=date_from, date_to=date_to, rule_ids=[rule_id], **kw)
    return services.run_execute_sync(run=run)


def test_a_sweep_finds_and_a_second_sweep_adds_nothing(test_rules, big_class, school_a):
    f.SchoolClassFactory(school=school_a, headcount=40)  # within the limit
    run = sweep(test_rules.HEADCOUNT)
    assert run.state == RunState.DONE
    assert run.parts_done == run.parts_total == 16  # one part per district
    assert (run.new_count, run.still_open_count, run.cleared_count) == (3, 0, 0)
    found = Finding.objects.filter(rule_id=test_rules.HEADCOUNT)
    assert sorted(found.values_list("period_start", flat=True)) == [MON, TUE, WED]
    assert set(found.values_list("school_class_id", flat=True)) == {big_class.pk}
    assert found.first().evidence == {"headcount": 50, "limit": 45}

    again = sweep(test_rules.HEADCOUNT)
    assert (again.new_count, again.still_open_count, again.cleared_count) == (0, 3, 0)
    assert found.count() == 3
    assert FindingEvent.objects.filter(finding__in=found).count() == 3  # only the "found" events


def test_corrected_data_clears_and_a_relapse_reopens(test_rules, big_class):
    sweep(test_rules.HEADCOUNT)
    big_class.headcount = 45
    big_class.save()
    run = sweep(test_rules.HEADCOUNT)
    assert run.cleared_count == 3
    found = Finding.objects.filter(rule_id=test_rules.HEADCOUNT)
    assert set(found.values_list("status", flat=True)) == {FindingStatus.CLEARED}

    big_class.headcount = 47
    big_class.save()
    run = sweep(test_rules.HEADCOUNT, date_from=TUE, date_to=TUE)
    assert run.new_count == 1
    reopened = found.get(period_start=TUE)
    assert reopened.status == FindingStatus.OPEN
    assert reopened.evidence["headcount"] == 47
    assert list(reopened.events.values_list("to_status", flat=True)) == ["open", "cleared", "open"]
    # the days outside the swept range keep their state
    assert set(found.exclude(pk=reopened.pk).values_list("status", flat=True)) == {FindingStatus.CLEARED}


def test_a_later_parameter_change_leaves_earlier_dates_as_they_were(test_rules, big_class):
    sweep(test_rules.HEADCOUNT)
    RuleParameter.objects.create(key="test_max_headcount", value=55, effective_from=TUE, source="调整")
    run = sweep(test_rules.HEADCOUNT)
    assert (run.new_count, run.still_open_count, run.cleared_count) == (0, 1, 2)
    status = dict(Finding.objects.values_list("period_start", "status"))
    assert status == {MON: FindingStatus.OPEN, TUE: FindingStatus.CLEARED, WED: FindingStatus.CLEARED}
    assert Finding.objects.get(period_start=MON).evidence["limit"] == 45


def test_parameter_segments_split_where_a_value_changes(test_rules):
    RuleParameter.objects.create(key="test_max_headcount", value=50, effective_from=TUE, source="调整")
    segments = parameter_segments(["test_max_headcount", "test_sleep_seconds"], MON, WED)
    assert [(a, b, p["test_max_headcount"]) for a, b, p in segments] == [(MON, MON, 45), (TUE, WED, 50)]
    with pytest.raises(MissingParameter):
        parameter_segments(["test_max_headcount"], dt.date(2025, 12, 30), MON)


def test_a_school_subset_sweep_clears_only_within_its_schools(test_rules, big_class, school_a):
    other = f.SchoolClassFactory(school=f.SchoolFactory(district=school_a.district), headcount=60)
    sweep(test_rules.HEADCOUNT)
    big_class.headcount = 30
    big_class.save()
    other.headcount = 30
    other.save()
    run = sweep(test_rules.HEADCOUNT, school_ids=[school_a.pk])
    assert run.cleared_count == 3
    assert set(Finding.objects.filter(school_class=other).values_list("status", flat=True)) == {FindingStatus.OPEN}


def test_a_part_executed_again_changes_no_counts(test_rules, big_class):
    run = sweep(test_rules.HEADCOUNT, district_codes=["110101"])
    part = run.parts.get()
    services.run_part_execute(part_id=part.pk)  # a redelivered task
    run.refresh_from_db()
    assert (run.new_count, run.still_open_count, run.parts_done) == (3, 0, 1)
    part.refresh_from_db()
    assert part.attempts == 1


def test_a_missing_parameter_fails_the_part_and_names_it(test_rules, big_class):
    run = sweep(
        test_rules.HEADCOUNT, date_from=dt.date(2025, 12, 31), date_to=dt.date(2025, 12, 31), district_codes=["110101"]
    )
    assert run.state == RunState.FAILED
    assert run.errors[0]["rule"] == test_rules.HEADCOUNT
    assert "test_max_headcount" in run.errors[0]["error"]


def test_status_transitions_are_recorded_and_illegal_ones_refused(test_rules, big_class, district_user):
    sweep(test_rules.HEADCOUNT, date_from=MON, date_to=MON)
    finding = Finding.objects.get()
    services.finding_set_status(finding=finding, status="notified", actor=district_user, reason="已电话通知学校")
    with pytest.raises(ServiceError) as exc:
        services.finding_set_status(finding=finding, status="open", actor=district_user, reason="x")
    assert exc.value.code == "illegal_transition"
    with pytest.raises(ServiceError):
        services.finding_set_status(finding=finding, status="rectifying", actor=district_user, reason="  ")
    stale = Finding.objects.get(pk=finding.pk)
    services.finding_set_status(finding=finding, status="rectifying", actor=district_user, reason="学校已整改")
    with pytest.raises(ConflictError):  # someone else changed it since this copy was read
        services.finding_set_status(finding=stale, status="dismissed", actor=district_user, reason="误报")
    event = finding.events.last()
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        "notified",
        "rectifying",
        district_user,
        "学校已整改",
    )


def test_a_rectifying_finding_the_data_still_shows_stays_rectifying(test_rules, big_class, city_user):
    sweep(test_rules.HEADCOUNT, date_from=MON, date_to=MON)
    finding = Finding.objects.get()
    services.finding_set_status(finding=finding, status="rectifying", actor=city_user, reason="整改中")
    run = sweep(test_rules.HEADCOUNT, date_from=MON, date_to=MON)
    assert run.still_open_count == 1
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RECTIFYING


def _windows(parts, district_code="110101"):
    return {p.rule_id: (p.date_from, p.date_to) for p in parts if p.district.code == district_code}


def test_the_nightly_plan_gives_each_rule_the_days_that_became_checkable_for_it(db):
    """Tuesday night after a Monday night: every-day rules look at Monday, the completeness rules (grace 1 day) at
    Sunday's deadline, which lapsed on Monday, so no school day and no part; registration rules run."""
    parts, gaps = services.nightly_plan(night=TUE, previous=MON)
    windows = _windows(parts)
    assert gaps == []
    assert windows["TI-13-HOLIDAY"] == (MON, MON)
    assert windows["HW-5-G36"] == (MON, MON)
    assert windows["TI-14-CERT"] == (MON, MON)  # undated: judged as the registry stands
    assert "HW-4-PUBLISH" not in windows and "AS-REPORT-MISSING" not in windows  # Sunday: nothing due
    # Wednesday night: Monday's filings were due by Tuesday 20:00
    windows = _windows(services.nightly_plan(night=WED, previous=TUE)[0])
    assert windows["HW-4-PUBLISH"] == windows["AS-REPORT-MISSING"] == (MON, MON)


def test_a_weekend_night_sweeps_the_weekend_for_the_every_day_rules_only(db):
    sat, sun = dt.date(2026, 11, 14), dt.date(2026, 11, 15)
    windows = _windows(services.nightly_plan(night=sun, previous=sat)[0])
    assert windows["TI-13-HOLIDAY"] == (sat, sat)
    assert windows["TI-15-PREPAY"] == (sat, sat)
    assert "HW-5-G36" not in windows  # a Saturday is no school day
    # after nights the job did not run it catches up on every day since
    windows = _windows(services.nightly_plan(night=dt.date(2026, 11, 16), previous=dt.date(2026, 11, 14))[0])
    assert windows["TI-13-HOLIDAY"] == (dt.date(2026, 11, 14), dt.date(2026, 11, 15))
    assert windows["HW-4-PUBLISH"] == (dt.date(2026, 11, 13), dt.date(2026, 11, 14))  # Friday's deadline lapsed


def test_a_complaint_is_swept_the_night_after_its_deadline_passes(db):
    from tests.dashboards import factories as df

    received = dt.date(2026, 10, 12)
    df.complaint(
        f.district("110101"), received_on=received, state="accepted", accept_due=dt.date(2026, 10, 13), resolve_due=MON
    )
    windows = _windows(services.nightly_plan(night=TUE, previous=MON)[0])
    assert windows["CP-18-RESOLVE"] == (received, received)
    assert "CP-18-ACCEPT" not in windows
    assert "CP-18-RESOLVE" not in _windows(services.nightly_plan(night=WED, previous=TUE)[0])


def test_one_run_per_night_and_a_calendar_gap_is_shown_with_its_year(
    test_rules, big_class, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(registry, "auto_rules", lambda: [registry.get_rule(test_rules.HEADCOUNT)])
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_nightly(night=WED)
    run.refresh_from_db()
    assert run.state == RunState.DONE and len(run.district_codes) == 16
    assert (run.date_from, run.date_to) == (WED - dt.timedelta(days=services.MAX_CATCH_UP_DAYS), TUE)  # the first
    assert services.run_nightly(night=WED).pk == run.pk  # asked again: the same run
    # the next night starts where this one stopped, and nights the job missed are caught up
    later = dt.date(2026, 11, 14)
    assert services.nightly_plan(night=later)[0][0].date_from == WED

    with django_capture_on_commit_callbacks(execute=True):
        gap = services.run_nightly(night=dt.date(2027, 3, 9))
    gap.refresh_from_db()
    assert gap.state == RunState.FAILED
    assert {e["year"] for e in gap.errors} == {2027}
    assert {e["code"] for e in gap.errors} == {services.CALENDAR_GAP}
    assert all("2027" in e["error"] for e in gap.errors)
    assert len(gap.errors) == 16  # one line per district, not per rule


def test_a_parameter_row_is_added_not_edited(test_rules, city_user):
    row = services.parameter_create(
        key="test_max_headcount", value=50, effective_from=WED, source="新文件", actor=city_user
    )
    assert row.created_by == city_user
    with pytest.raises(ConflictError):
        services.parameter_create(key="test_max_headcount", value=51, effective_from=WED, source="x")
    with pytest.raises(ServiceError):
        services.parameter_create(key="test_max_headcount", value="fifty", effective_from=MON, source="x")
    with pytest.raises(ServiceError):
        services.parameter_create(key="no_such_key", value=1, effective_from=MON, source="x")
    assert RuleParameter.objects.filter(key="test_max_headcount").count() == 2


def test_a_stalled_run_has_its_unfinished_parts_sent_again(test_rules, big_class, monkeypatch):
    from django.utils import timezone

    run = services.run_create(
        date_from=MON, date_to=MON, rule_ids=[test_rules.HEADCOUNT], district_codes=["110101", "110102"]
    )
    first, second = run.parts.order_by("id")
    services.run_part_execute(part_id=first.pk)
    sent = []
    monkeypatch.setattr("compliance.tasks.run_parts.delay", sent.append)
    assert services.runs_resume_stalled() == []  # it is recent
    ComplianceRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    run.parts.filter(pk=first.pk).update(finished_at=timezone.now() - dt.timedelta(hours=1))
    assert services.runs_resume_stalled() == [run.pk]
    assert sent == [[second.pk]]
    services.run_part_execute(part_id=second.pk)
    run.refresh_from_db()
    assert (run.state, run.parts_done, run.new_count) == (RunState.DONE, 2, 1)


def test_evidence_and_summary_are_stored_exactly_as_the_rule_gave_them(db, big_class):
    """Quotes, backslashes, braces, commas, the word NULL and percent signs survive the bulk upsert."""
    from compliance.registry import Rule, Violation

    tricky = '家长说"不"，C:\\作业\\{a,b}, NULL, 100% done'
    evidence = {"note": tricky, "nested": {"items": [tricky, None, 1.5, "NULL"]}, "empty": ""}
    rule = Rule(
        id="TEST-TRICKY",
        article=99,
        title_zh="测试",
        title_en="Test",
        severity="low",
        subject="class",
        func=lambda ctx: [
            Violation(
                evidence=evidence, date=MON, school_id=big_class.school_id, school_class_id=big_class.pk, summary=tricky
            )
        ],
    )
    district = big_class.school.district
    for _ in range(2):  # inserted, then confirmed unchanged
        counts = services.sweep_rule_districts(rule=rule, districts=[district], date_from=MON, date_to=MON)
    assert (counts[district.pk].new, counts[district.pk].still_open) == (0, 1)
    finding = Finding.objects.get(rule_id="TEST-TRICKY")
    assert (finding.evidence, finding.summary) == (evidence, tricky)


def test_a_run_travels_in_a_few_tasks_each_carrying_whole_rules(db):
    """44 rules over 2 districts: 8 tasks of 5–6 rules, every part in exactly one, a rule's parts together, and
    the homework rules (adjacent in ID order, the heaviest) in different tasks."""
    run = services.run_create(date_from=MON, date_to=MON, district_codes=["110101", "110102"])
    rule_of = dict(run.parts.values_list("id", "rule_id"))
    batches = services.part_batches(run.pk)
    assert len(rule_of) == 2 * len({*rule_of.values()})
    assert len(batches) == -(-len({*rule_of.values()}) // services.RULES_PER_TASK)
    assert sorted(p for b in batches for p in b) == sorted(rule_of)
    rules_in = [{rule_of[p] for p in b} for b in batches]
    for i, rules in enumerate(rules_in):  # no rule split between tasks
        assert all(not rules & other for other in rules_in[i + 1 :])
        assert len([r for r in rules if r.startswith("HW-")]) <= 1
    # a run of two rules still goes out as two tasks, which two worker processes share
    two = services.run_create(date_from=MON, date_to=MON, rule_ids=["HW-4-PARENT", "HW-5-G36"])
    assert len(services.part_batches(two.pk)) == 2
    # a month's run goes rule by rule: each task is long, and the progress bar moves with every rule
    month = services.run_create(
        date_from=dt.date(2026, 11, 2), date_to=dt.date(2026, 11, 30), district_codes=["110101"]
    )
    assert len(services.part_batches(month.pk)) == month.parts.count()
