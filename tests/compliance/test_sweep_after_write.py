"""Registry writes ask for a sweep of the rules that read them, over the dates they concern (the outbox)."""

import datetime as dt
from unittest import mock

from django.utils import timezone

from compliance import services
from compliance.choices import RunTrigger
from compliance.models import ComplianceRun, Finding, SweepRequest
from institutions import services as institution_services
from institutions.models import Course, Prepayment, Session
from tests.beat import local

MON = dt.date(2026, 11, 9)
LAST_SPRING = dt.date(2026, 4, 20)


def _course(institution):
    return Course.objects.create(
        institution=institution,
        name="数学",
        subject="maths",
        content_grade=5,
        min_grade=5,
        max_grade=5,
        mode="offline",
        class_size=12,
        lesson_minutes=45,
        price_per_lesson=60,
    )


def test_a_late_prepayment_is_checked_within_a_minute_of_being_typed_in(
    db, institution, district_user, django_capture_on_commit_callbacks
):
    course = _course(institution)
    with django_capture_on_commit_callbacks(execute=True):
        institution_services.record_save(
            user=district_user,
            save=lambda: Prepayment.objects.create(
                course=course, paid_on=MON, amount=9000, class_hours=80, months=5, account="A", supervised=True
            ),
            before=None,
        )
    # the day it was paid, by the dated rule that reads prepayments; the undated ones (the supervised funds'
    # TI-15-CUSTODY) are judged today in a run of their own
    run = ComplianceRun.objects.get(date_from=MON)
    assert run.trigger == RunTrigger.CHANGE
    assert (run.date_from, run.date_to, run.district_codes) == (MON, MON, [institution.district.code])
    assert set(run.parts.values_list("rule_id", flat=True)) == {"TI-15-PREPAY"}  # only what reads prepayments
    today = ComplianceRun.objects.exclude(pk=run.pk).get()
    assert today.date_from == today.date_to == timezone.localdate()
    assert "TI-15-PREPAY" not in set(today.parts.values_list("rule_id", flat=True))
    finding = Finding.objects.get(rule_id="TI-15-PREPAY")
    assert finding.period_start == MON


def test_a_write_concerning_far_apart_days_is_swept_in_a_run_for_each(db, institution):
    course = _course(institution)
    Session.objects.create(
        course=course, mode="online", starts_at=local(LAST_SPRING, 19), ends_at=local(LAST_SPRING, 20)
    )
    Session.objects.create(course=course, mode="online", starts_at=local(MON, 19), ends_at=local(MON, 20))
    with mock.patch.object(services.sweeps, "_schedule_pending_sweep"):
        services.sweep_after_write(topic=Course, district_ids=[institution.district_id], dates=[LAST_SPRING, MON])
    with mock.patch.object(services.sweeps, "run_enqueue"):
        runs = services.sweep_pending_process()
    today = timezone.localdate()
    assert sorted((r.date_from, r.date_to) for r in runs) == [(LAST_SPRING, LAST_SPRING), (MON, MON), (today, today)]
    rules = {r.date_from: set(r.parts.values_list("rule_id", flat=True)) for r in runs}
    assert "TI-13-LATE-ONLINE" in rules[LAST_SPRING] and "TI-13-LATE-ONLINE" in rules[MON]
    assert "TI-15-PRICE" in rules[today] and "TI-13-LATE-ONLINE" not in rules[today]  # the registration rules once
    assert not SweepRequest.objects.filter(processed_at__isnull=True).exists()


def test_a_trainer_change_asks_for_the_cross_district_rules_everywhere(db, institution):
    from institutions.models import Trainer

    with mock.patch.object(services.sweeps, "_schedule_pending_sweep"):
        services.sweep_after_write(topic=Trainer, district_ids=[institution.district_id])
        services.sweep_after_write(topic=Trainer, district_ids=[institution.district_id])  # collapses
    rows = SweepRequest.objects.filter(processed_at__isnull=True)
    assert sorted((r.district_id or 0, r.date) for r in rows) == [(0, None), (institution.district_id, None)]
    with mock.patch.object(services.sweeps, "run_enqueue"):
        runs = services.sweep_pending_process()
    everywhere = next(r for r in runs if len(r.district_codes) == 16)
    assert set(everywhere.parts.values_list("rule_id", flat=True)) == {"TI-14-POACH", "TE-26-PAID"}


def test_a_complaint_accepted_late_is_flagged_without_waiting_for_the_night(
    db, district1, district_user, django_capture_on_commit_callbacks
):
    from complaints.services import complaint_transition
    from tests.dashboards import factories as df

    complaint = df.complaint(district1, received_on=dt.date(2026, 10, 12), accept_due=dt.date(2026, 10, 13))
    with django_capture_on_commit_callbacks(execute=True):
        complaint_transition(complaint=complaint, to_state="accepted", actor=district_user)
    assert Finding.objects.filter(rule_id="CP-18-ACCEPT", district=district1).count() == 1


def test_an_unknown_model_asks_for_nothing(db, district1):
    services.sweep_after_write(topic="schools.district", district_ids=[district1.pk], dates=[MON])
    assert not SweepRequest.objects.exists()
