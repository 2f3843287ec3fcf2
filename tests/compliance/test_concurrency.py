"""Two overlapping runs executing the same rule and district at the same moment (PostgreSQL)."""

import datetime as dt
import threading

import pytest
from django.db import connection

from compliance import services
from compliance.models import ComplianceRun, Finding, FindingEvent
from tests import factories as f

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("migration_data")]


def test_two_runs_at_once_neither_doubles_nor_miscounts(test_rules, school_a):
    for _ in range(3):
        f.SchoolClassFactory(school=school_a, headcount=50)
    runs = [
        services.run_create(
            date_from=dt.date(2026, 11, 9),
            date_to=dt.date(2026, 11, 13),
            rule_ids=[test_rules.HEADCOUNT],
            district_codes=["110101"],
        )
        for _ in range(2)
    ]
    start = threading.Barrier(2)
    errors = []

    def execute(run):
        try:
            start.wait()
            services.run_part_execute(part_id=run.parts.get().pk)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=execute, args=(run,)) for run in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    counts = [ComplianceRun.objects.values_list("new_count", "still_open_count").get(pk=r.pk) for r in runs]
    assert sorted(counts) == [(0, 15), (15, 0)]  # one run found them, the other confirmed them
    assert Finding.objects.count() == 15
    assert FindingEvent.objects.count() == 15
