"""The demo generator's complaints part: deterministic, routed, with overdue complaints the CP rule finds."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from complaints import seed as complaints_seed
from complaints.models import Complaint
from compliance.models import Finding
from compliance.services import run_create, run_execute_sync
from schools import seed as schools_seed

pytestmark = pytest.mark.django_db


def _seed(n):
    complaints_seed.seed(
        rng=random.Random(f"{n}:complaints"),
        scale="small",
        violation_rate=0.3,
        date_from=dt.date(2026, 11, 9),
        date_to=dt.date(2026, 11, 20),
        log=lambda m: None,
    )


def test_seed_is_deterministic_and_flags_overdue_complaints():
    schools_seed.seed(
        rng=random.Random("1:schools"),
        scale="small",
        violation_rate=0.05,
        date_from=dt.date(2026, 11, 9),
        date_to=dt.date(2026, 11, 20),
        log=lambda m: None,
    )
    _seed(1)
    first = list(Complaint.objects.order_by("id").values_list("tracking_code", "category", "state"))
    assert len(first) == complaints_seed.COUNTS["small"]
    assert Complaint.objects.exclude(events=None).count() == len(first)
    Complaint.objects.all().delete()
    _seed(1)
    assert list(Complaint.objects.order_by("id").values_list("tracking_code", "category", "state")) == first

    today = timezone.localdate()
    overdue = set(Complaint.objects.filter(state="received", accept_due__lt=today).values_list("id", flat=True))
    assert overdue  # at a 30 % violation rate, some are left unanswered
    codes = list(Complaint.objects.values_list("district__code", flat=True).distinct())
    run = run_execute_sync(
        run=run_create(
            date_from=dt.date(2026, 11, 9),
            date_to=dt.date(2026, 11, 20),
            district_codes=codes,
            rule_ids=["CP-18-ACCEPT"],
        )
    )
    assert run.state == "done", run.errors
    flagged = {f.evidence["complaint_id"] for f in Finding.objects.filter(rule_id="CP-18-ACCEPT")}
    assert flagged == overdue
