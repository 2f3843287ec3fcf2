import datetime as dt
from unittest import mock

import pytest
from django.db import transaction
from django.test import override_settings

from compliance import services
from compliance.choices import RunState, RunTrigger
from compliance.models import ComplianceRun, Finding, SweepRequest

D1 = dt.date(2026, 11, 10)
D2 = dt.date(2026, 11, 11)


def test_requests_collapse_to_one_pending_row_per_school_day(test_rules, school_a, school_b):
    with mock.patch.object(services.sweeps, "_schedule_pending_sweep"):
        services.sweep_request(school_ids=[school_a.pk, school_a.pk, school_b.pk], dates=[D1, D1, D2])
        services.sweep_request(school_ids=[school_a.pk], dates=[D1])
    assert SweepRequest.objects.filter(processed_at__isnull=True).count() == 4


def test_eager_filing_sweeps_the_affected_schools_and_dates(
    test_rules, big_class, big_class_b, school_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            services.sweep_request(school_ids=[school_a.pk], dates=[D1, D2])
            services.sweep_request(school_ids=[school_a.pk], dates=[D2])
    run = ComplianceRun.objects.get()
    assert run.trigger == RunTrigger.FILING
    assert (run.date_from, run.date_to, run.school_ids) == (D1, D2, [school_a.pk])
    assert run.district_codes == [school_a.district.code]
    assert run.state == RunState.DONE
    # only school A's class was swept, on both days; school B (another district) was not asked for
    found = Finding.objects.filter(rule_id=test_rules.HEADCOUNT)
    assert sorted(found.values_list("school_id", "period_start")) == [(school_a.pk, D1), (school_a.pk, D2)]
    assert not SweepRequest.objects.filter(processed_at__isnull=True).exists()
    assert set(SweepRequest.objects.values_list("run_id", flat=True)) == {run.pk}


def test_requests_of_two_districts_become_one_run_each(test_rules, school_a, school_b):
    with mock.patch.object(services, "run_enqueue"):
        SweepRequest.objects.bulk_create(
            [SweepRequest(school=school_a, date=D1), SweepRequest(school=school_b, date=D2)]
        )
        runs = services.sweep_pending_process()
    assert sorted((r.district_codes[0], r.school_ids) for r in runs) == [
        (school_a.district.code, [school_a.pk]),
        (school_b.district.code, [school_b.pk]),
    ]
    assert services.sweep_pending_process() == []


@override_settings(SWEEP_DEBOUNCE_SECONDS=30)
def test_many_filings_in_the_window_send_one_task(test_rules, school_a, django_capture_on_commit_callbacks):
    from shuangjian.celery import app

    services._debounce_release()
    app.conf.task_always_eager = False
    try:
        with mock.patch("compliance.tasks.sweep_pending_requests.apply_async") as send:
            for day in (D1, D2, D1):
                with django_capture_on_commit_callbacks(execute=True):
                    services.sweep_request(school_ids=[school_a.pk], dates=[day])
        assert send.call_count == 1
        assert send.call_args.kwargs == {"countdown": 30}
    finally:
        app.conf.task_always_eager = True
        services._debounce_release()


def test_a_broker_failure_does_not_fail_the_filing(test_rules, school_a, django_capture_on_commit_callbacks):
    from shuangjian.celery import app

    services._debounce_release()
    app.conf.task_always_eager = False
    try:
        with mock.patch(
            "compliance.tasks.sweep_pending_requests.apply_async", side_effect=ConnectionError("broker down")
        ):
            with django_capture_on_commit_callbacks(execute=True):
                services.sweep_request(school_ids=[school_a.pk], dates=[D1])
        # the request waits for the every-minute beat entry, and the next filing may try to send again
        assert SweepRequest.objects.filter(processed_at__isnull=True).count() == 1
        assert services._debounce_claim(30) is True
    finally:
        app.conf.task_always_eager = True
        services._debounce_release()


@pytest.mark.parametrize("empty", [{"school_ids": [], "dates": [D1]}, {"school_ids": [1], "dates": []}])
def test_an_empty_request_records_nothing(db, empty):
    services.sweep_request(**empty)
    assert not SweepRequest.objects.exists()


def test_the_sweep_debounce_of_one_database_does_not_hold_back_another(db):
    from django.db import connection

    services._debounce_release()
    try:
        assert services._debounce_claim(30) is True
        assert services._debounce_claim(30) is False  # this database's sweep is already scheduled
        # another deployment (or a parallel test run) on the same Redis schedules its own
        with mock.patch.dict(connection.settings_dict, {"NAME": "another_database"}):
            assert services._debounce_claim(30) is True
            services._debounce_release()
    finally:
        services._debounce_release()
