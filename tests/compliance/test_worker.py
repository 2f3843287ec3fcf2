"""With PostgreSQL, Redis and a real Celery worker in a subprocess (not eager mode)."""

import datetime as dt
import time

import pytest

from compliance.choices import FindingStatus, RunState
from compliance.models import ComplianceRun, ComplianceRunPart, Finding, FindingEvent, RuleParameter
from tests import factories as f
from tests.worker import wait_for_run

pytestmark = [
    pytest.mark.services,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]

RUNS = "/api/v1/compliance/runs/"
BODY = {"date_from": "2026-11-09", "date_to": "2026-11-11"}


def test_api_sweeps_reach_done_add_nothing_again_and_clear_corrected_data(
    broker, as_user, city_user, school_a, school_b, test_rules
):
    big = f.SchoolClassFactory(school=school_a, headcount=50)
    f.SchoolClassFactory(school=school_b, headcount=49)
    f.SchoolClassFactory(school=school_b, headcount=30)
    worker = broker()
    body = {**BODY, "rule_ids": [test_rules.HEADCOUNT]}

    r = as_user(city_user).post(RUNS, body, format="json")
    assert r.status_code == 202
    assert r.json()["state"] == "queued"  # returned at once; the worker does the sweep
    run = wait_for_run(r.json()["id"])
    assert run.state == RunState.DONE, run.errors
    assert (run.parts_done, run.parts_total) == (16, 16)
    assert (run.new_count, run.still_open_count, run.cleared_count) == (6, 0, 0)
    assert Finding.objects.filter(status=FindingStatus.OPEN).count() == 6
    assert as_user(city_user).get(f"{RUNS}{run.pk}/").json()["progress"] == 100.0

    again = wait_for_run(as_user(city_user).post(RUNS, body, format="json").json()["id"])
    assert (again.new_count, again.still_open_count, again.cleared_count) == (0, 6, 0)
    assert Finding.objects.count() == 6

    big.headcount = 40
    big.save()
    corrected = wait_for_run(as_user(city_user).post(RUNS, body, format="json").json()["id"])
    assert (corrected.new_count, corrected.still_open_count, corrected.cleared_count) == (0, 3, 3)
    assert set(Finding.objects.filter(school_class=big).values_list("status", flat=True)) == {FindingStatus.CLEARED}
    assert Finding.objects.filter(status=FindingStatus.OPEN).count() == 3
    assert "Traceback" not in worker.output()


def _sleeping_queries() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%%' AND state = 'active'")
        return cur.fetchone()[0]


def test_a_killed_worker_loses_nothing_and_doubles_nothing(broker, as_user, city_user, test_rules):
    codes = ["110101", "110102", "110105", "110106", "110107", "110108"]
    from schools.models import District

    for code in codes:
        school = f.SchoolFactory(district=District.objects.get(code=code))
        f.SchoolClassFactory(school=school, headcount=50)
    RuleParameter.objects.filter(key="test_sleep_seconds").update(value=2)
    first = broker(concurrency=2, visibility_timeout=1)

    # two tasks, one per rule, each over the six districts: the quick one finishes, the slow one is killed inside
    r = as_user(city_user).post(
        RUNS, {**BODY, "rule_ids": [test_rules.SLOW, test_rules.HEADCOUNT], "district_codes": codes}, format="json"
    )
    run_id = r.json()["id"]
    deadline = time.monotonic() + 60
    while not (
        ComplianceRunPart.objects.filter(run_id=run_id, state=RunState.DONE).count() == len(codes)
        and _sleeping_queries()
    ):
        assert time.monotonic() < deadline, first.output()[-3000:]
        time.sleep(0.1)
    # mid-sweep: one rule's parts done, the other's running inside pg_sleep
    assert ComplianceRun.objects.get(pk=run_id).state == RunState.RUNNING
    first.kill()
    done = ComplianceRunPart.objects.filter(run_id=run_id, state=RunState.DONE)
    assert set(done.values_list("rule_id", flat=True)) == {test_rules.HEADCOUNT}
    assert not Finding.objects.filter(rule_id=test_rules.SLOW).exists()  # the killed part left nothing
    time.sleep(1.5)  # past the visibility timeout: the killed worker's tasks are delivered again

    second = broker(concurrency=2, visibility_timeout=1)
    run = wait_for_run(run_id, timeout=120)
    assert run.state == RunState.DONE, run.errors
    assert (run.parts_done, run.new_count, run.still_open_count) == (2 * len(codes), 6 * len(codes), 0)
    for rule_id in (test_rules.SLOW, test_rules.HEADCOUNT):  # one per class and day, none doubled
        assert Finding.objects.filter(rule_id=rule_id, status=FindingStatus.OPEN).count() == 3 * len(codes)
    assert FindingEvent.objects.count() == 6 * len(codes)  # and one "found" event each
    assert "Traceback" not in second.output()


def test_filings_in_the_window_become_one_sweep_of_their_school(broker, settings, school_a, school_b, test_rules):
    from django.db import transaction

    from compliance import services
    from compliance.models import SweepRequest

    settings.SWEEP_DEBOUNCE_SECONDS = 1
    services._debounce_release()
    f.SchoolClassFactory(school=school_a, headcount=50)
    f.SchoolClassFactory(school=school_b, headcount=50)  # not filed: not swept
    broker()
    for day in ("2026-11-09", "2026-11-10", "2026-11-10"):
        with transaction.atomic():  # each filing's own transaction
            services.sweep_request(school_ids=[school_a.pk], dates=[dt.date.fromisoformat(day)])
    deadline = time.monotonic() + 60
    while not ComplianceRun.objects.filter(trigger="filing").exists():
        assert time.monotonic() < deadline, "no filing sweep was run"
        time.sleep(0.2)
    run = wait_for_run(ComplianceRun.objects.get(trigger="filing").pk)
    assert (run.date_from, run.date_to, run.school_ids) == (dt.date(2026, 11, 9), dt.date(2026, 11, 10), [school_a.pk])
    assert run.state == RunState.DONE
    assert sorted(Finding.objects.filter(rule_id=test_rules.HEADCOUNT).values_list("school_id", flat=True)) == [
        school_a.pk,
        school_a.pk,
    ]
    assert not SweepRequest.objects.filter(processed_at__isnull=True).exists()
    time.sleep(1.5)  # no second task comes from the same window
    assert ComplianceRun.objects.filter(trigger="filing").count() == 1
