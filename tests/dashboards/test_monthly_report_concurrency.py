"""Two city officers deciding the same submitted monthly report at the same moment, on two connections: exactly
one decision is applied, the other is refused as a conflict; two freezes of a new month make one report."""

import datetime as dt
import threading

import pytest
from django.db import connection

from accounts.models import AuditEvent
from dashboards import services
from dashboards.models import MonthlyReport
from shuangjian.errors import ConflictError
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def _at_once(*calls):
    start = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(i, call):
        try:
            start.wait()
            outcomes[i] = call()
        except Exception as exc:  # noqa: BLE001 - compared below
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_accept_and_return_at_once_apply_exactly_one(district1, district_user):
    city_a = f.user_with_role("city", username="city-a")
    city_b = f.user_with_role("city", username="city-b")
    now = dt.datetime.now(dt.UTC)
    report = MonthlyReport.objects.create(
        district=district1, month=dt.date(2026, 10, 1), state="submitted", frozen_at=now, submitted_at=now
    )
    outcomes = _at_once(
        lambda: services.report_accept(actor=city_a, report=report),
        lambda: services.report_return(actor=city_b, report=report, reason="数据有误"),
    )
    conflicts = [o for o in outcomes if isinstance(o, ConflictError)]
    applied = [o for o in outcomes if isinstance(o, MonthlyReport)]
    assert len(conflicts) == 1 and len(applied) == 1, outcomes
    report.refresh_from_db()
    assert report.state == applied[0].state
    assert AuditEvent.objects.filter(object_type="dashboards.monthlyreport").count() == 1


def test_two_freezes_of_a_new_month_make_one_report(district1, district_user):
    outcomes = _at_once(
        lambda: services.report_freeze(actor=district_user, district=district1, month=dt.date(2026, 10, 1)),
        lambda: services.report_freeze(actor=district_user, district=district1, month=dt.date(2026, 10, 1)),
    )
    assert all(isinstance(o, MonthlyReport) for o in outcomes), outcomes
    assert MonthlyReport.objects.filter(district=district1).count() == 1
