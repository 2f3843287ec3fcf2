"""Each statement of ``compliance/sql.py``, run on PostgreSQL through the services that issue it."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from compliance import sql
from compliance.choices import FindingStatus, RuleKind, RunState
from compliance.models import ComplianceRunPart, Finding, FindingEvent
from compliance.registry import Rule, Violation
from compliance.services import reconcile, runs
from tests import factories as f

MON, TUE, WED = dt.date(2026, 11, 9), dt.date(2026, 11, 10), dt.date(2026, 11, 11)


def a_rule(found: list, rule_id="TEST-SQL"):
    """A rule that reports whatever ``found`` holds when it runs."""
    return Rule(
        id=rule_id,
        article=99,
        title_zh="测试",
        title_en="Test",
        severity="low",
        subject="class",
        func=lambda ctx: list(found),
    )


def violation(klass, day, note="x"):
    return Violation(
        evidence={"note": note},
        date=day,
        school_id=klass.school_id,
        school_class_id=klass.pk,
        summary=f"{klass.name} {day} {note}",
    )


def sweep(rule, district, date_from=MON, date_to=WED, **kw):
    return reconcile.sweep_rule_districts(rule=rule, districts=[district], date_from=date_from, date_to=date_to, **kw)[
        district.pk
    ]


def test_the_upsert_inserts_confirms_rewrites_changed_evidence_and_reopens(school_a):
    """FINDINGS_UPSERT: new findings with their events; a confirmed one keeps its row and history; changed
    evidence is rewritten; a cleared finding the data shows again is reopened with an event saying so."""
    klass = f.SchoolClassFactory(school=school_a)
    district = school_a.district
    found = [violation(klass, MON), violation(klass, TUE)]
    rule = a_rule(found)

    counts = sweep(rule, district)
    assert (counts.new, counts.still_open, counts.cleared) == (2, 0, 0)
    monday = Finding.objects.get(rule_id=rule.id, period_start=MON)
    assert (monday.kind, monday.status, monday.district_id, monday.school_class_id) == (
        RuleKind.AUTO,
        FindingStatus.OPEN,
        district.pk,
        klass.pk,
    )
    assert list(monday.events.values_list("from_status", "to_status", "reason")) == [
        ("", FindingStatus.OPEN, reconcile.REASON_FOUND)
    ]

    counts = sweep(rule, district)
    assert (counts.new, counts.still_open, counts.cleared) == (0, 2, 0)
    assert FindingEvent.objects.filter(finding__rule_id=rule.id).count() == 2

    found[0] = violation(klass, MON, note="changed")
    sweep(rule, district)
    monday.refresh_from_db()
    assert monday.evidence == {"note": "changed"} and monday.summary.endswith("changed")

    found.pop(0)
    counts = sweep(rule, district)
    assert (counts.new, counts.still_open, counts.cleared) == (0, 1, 1)
    found.append(violation(klass, MON, note="changed"))
    counts = sweep(rule, district)
    assert (counts.new, counts.still_open, counts.cleared) == (1, 1, 0)
    monday.refresh_from_db()
    assert monday.status == FindingStatus.OPEN
    assert list(monday.events.values_list("from_status", "to_status", "reason")) == [
        ("", FindingStatus.OPEN, reconcile.REASON_FOUND),
        (FindingStatus.OPEN, FindingStatus.CLEARED, reconcile.REASON_GONE),
        (FindingStatus.CLEARED, FindingStatus.OPEN, reconcile.REASON_FOUND_AGAIN),
    ]


def test_the_upsert_takes_violations_without_school_class_or_dates(db):
    """The column arrays may be all NULL (an institution's undated finding): psycopg still types them."""
    institution = f.InstitutionFactory()
    rule = Rule(
        id="TEST-SQL-INST",
        article=99,
        title_zh="测试",
        title_en="Test",
        severity="low",
        subject="institution",
        dated=False,
        func=lambda ctx: [Violation(evidence={}, institution_id=institution.pk, summary="登记信息缺失")],
    )
    counts = sweep(rule, institution.district)
    assert counts.new == 1
    finding = Finding.objects.get(rule_id=rule.id)
    assert (finding.institution_id, finding.school_id, finding.period_start) == (institution.pk, None, None)


def _finding(rule_id, klass, day, **kw):
    now = timezone.now()
    return Finding.objects.create(
        rule_id=rule_id,
        district_id=klass.school.district_id,
        school_id=klass.school_id,
        school_class_id=klass.pk,
        period_start=day,
        fingerprint=f"{rule_id}|{klass.pk}|{day}|{kw.get('kind', '')}",
        first_seen=now,
        last_seen=now,
        status_changed_at=now,
        **kw,
    )


@pytest.mark.parametrize(("dated", "some_schools"), [(True, True), (True, False), (False, True), (False, False)])
def test_clearing_touches_only_the_executions_scope(school_a, school_b, dated, some_schools):
    """findings_clear_stale: the rule's active automatic findings of the districts, dates (a dated rule) and
    schools (a sweep of some schools) are cleared with an event; nothing else."""
    other_school = f.SchoolFactory(district=school_a.district)
    mine, theirs, elsewhere = (f.SchoolClassFactory(school=s) for s in (school_a, other_school, school_b))
    rule = Rule(
        id="TEST-SQL",
        article=99,
        title_zh="测试",
        title_en="Test",
        severity="low",
        subject="class",
        dated=dated,
        func=lambda ctx: [],
    )
    in_scope = _finding(rule.id, mine, TUE)
    before_range = _finding(rule.id, mine, dt.date(2026, 11, 2))
    other_school_finding = _finding(rule.id, theirs, TUE)
    other_district = _finding(rule.id, elsewhere, TUE)
    other_rule = _finding("TEST-OTHER", mine, TUE)
    staff_case = _finding(rule.id, mine, WED, kind=RuleKind.CASE)
    dismissed = _finding(rule.id, mine, MON, status=FindingStatus.DISMISSED)

    counts = sweep(
        rule,
        school_a.district,
        date_from=MON,
        date_to=WED,
        school_ids=frozenset({school_a.pk}) if some_schools else None,
    )

    cleared = set(Finding.objects.filter(status=FindingStatus.CLEARED).values_list("pk", flat=True))
    expected = {in_scope.pk}
    if not dated:
        expected.add(before_range.pk)
    if not some_schools:
        expected.add(other_school_finding.pk)
    assert cleared == expected
    assert counts.cleared == len(expected)
    assert set(FindingEvent.objects.filter(reason=reconcile.REASON_GONE).values_list("finding_id", flat=True)) == (
        expected
    )
    for untouched in (other_district, other_rule, staff_case, dismissed):
        untouched.refresh_from_db()
        assert untouched.status != FindingStatus.CLEARED


def test_a_finding_under_a_notice_is_marked_corrected_not_cleared(school_a):
    """findings_clear_stale: the data no longer shows a finding the bureau is handling: it keeps its status, is
    marked data-corrected once (one event)."""
    rule_gone = a_rule([])
    handled = {
        s: _finding(rule_gone.id, f.SchoolClassFactory(school=school_a), TUE, status=s)
        for s in (FindingStatus.NOTIFIED, FindingStatus.SUBMITTED)
    }
    plain = _finding(rule_gone.id, f.SchoolClassFactory(school=school_a), TUE)
    for _ in range(2):
        counts = sweep(rule_gone, school_a.district, date_from=TUE, date_to=TUE)
    assert counts.cleared == 0  # the second time, nothing left to clear
    plain.refresh_from_db()
    assert plain.status == FindingStatus.CLEARED
    for status, finding in handled.items():
        finding.refresh_from_db()
        assert finding.status == status and finding.data_corrected_at is not None
        assert finding.events.filter(reason=reconcile.REASON_CORRECTED).count() == 1


def test_finished_parts_are_recorded_with_their_counts_and_added_to_the_run_once(test_rules, district1, district2):
    """PARTS_DONE: each part's state, counts and attempts; the run's progress and sums (or only the parts)."""
    run = runs.run_create(
        date_from=MON, date_to=MON, rule_ids=[test_rules.HEADCOUNT], district_codes=[district1.code, district2.code]
    )
    first, second = run.parts.order_by("pk")
    first.new_count, first.still_open_count, first.cleared_count = 3, 2, 1
    second.new_count, second.still_open_count, second.cleared_count = 0, 5, 0
    with transaction.atomic():
        assert runs._record_parts_done(run.pk, [first, second], timezone.now(), add_to_run=True) == (2, 2)
    run.refresh_from_db()
    assert (run.state, run.parts_done, run.new_count, run.still_open_count, run.cleared_count) == (
        RunState.RUNNING,
        2,
        3,
        7,
        1,
    )
    assert list(
        ComplianceRunPart.objects.filter(run=run)
        .order_by("pk")
        .values_list("state", "new_count", "still_open_count", "cleared_count", "attempts")
    ) == [(RunState.DONE, 3, 2, 1, 1), (RunState.DONE, 0, 5, 0, 1)]

    with transaction.atomic():
        assert runs._record_parts_done(run.pk, [first], timezone.now(), add_to_run=False) == (2, 2)
    run.refresh_from_db()
    assert (run.parts_done, run.new_count) == (2, 3)
    assert ComplianceRunPart.objects.get(pk=first.pk).attempts == 2


def test_a_part_takes_its_locks_and_relaxes_its_transaction(db):
    """PARTS_LOCK_AND_RELAX: one advisory lock per rule and district, ``synchronous_commit`` and ``jit`` off (set
    for the transaction only: ``set_config(…, true)``; the test's own transaction hides their end)."""

    def state():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT current_setting('synchronous_commit'), current_setting('jit'), "
                "(SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid())"
            )
            return cur.fetchone()

    assert state()[2] == 0
    with transaction.atomic():
        runs._serialize_and_relax([("HW-5-G36", 1), ("HW-5-G36", 2), ("HW-5-G79", 1)])
        assert state() == ("off", "off", 3)


def test_every_statement_is_plain_text_with_named_parameters():
    """The statements are rendered once to text (so Django logs them as they run) with no value pasted in."""
    statements = [sql.FINDINGS_UPSERT, sql.PARTS_DONE, sql.PARTS_LOCK_AND_RELAX] + [
        sql.findings_clear_stale(dated=d, some_schools=s) for d in (True, False) for s in (True, False)
    ]
    for text in statements:
        assert isinstance(text, str) and "%(" in text and "%s" not in text
