"""seed_demo's homework part: filed school days only, and every HW rule broken by about the set share."""

import datetime as dt
import random

import pytest

from compliance.models import Finding
from compliance.services import run_create, run_execute_sync
from homework import seed as hw_seed
from homework.models import HomeworkDay, HomeworkItem
from schools import seed as schools_seed
from schools.models import SchoolClass

pytestmark = pytest.mark.django_db

HW_AUTO = [
    "HW-5-G12",
    "HW-5-G36",
    "HW-5-G79",
    "HW-4-PARENT",
    "HW-4-PUNITIVE",
    "HW-4-STANDARD",
    "HW-6-SELFGRADE",
    "HW-4-PUBLISH",
]


def test_seeded_homework_breaks_every_rule_about_the_set_share():
    span = dict(date_from=dt.date(2026, 11, 9), date_to=dt.date(2026, 11, 20))
    schools_seed.seed(rng=random.Random(1), scale="small", violation_rate=0.1, log=lambda m: None, **span)
    hw_seed.seed(rng=random.Random(2), scale="small", violation_rate=0.1, log=lambda m: None, **span)
    weekend = [dt.date(2026, 11, 14), dt.date(2026, 11, 15)]
    assert not HomeworkItem.objects.filter(date__in=weekend).exists()
    expected = SchoolClass.objects.count() * 10  # ten school days in the span
    filed = HomeworkDay.objects.count()
    assert 0.85 * expected < filed < expected

    run = run_execute_sync(run=run_create(rule_ids=HW_AUTO, **span))
    assert run.state == "done", run.errors
    counts = {rid: Finding.objects.filter(rule_id=rid).count() for rid in HW_AUTO}
    assert all(n > 0 for n in counts.values()), counts
    class_days = expected
    for rid in ("HW-4-PARENT", "HW-4-PUNITIVE", "HW-4-STANDARD", "HW-6-SELFGRADE", "HW-4-PUBLISH"):
        assert counts[rid] < 0.25 * class_days, counts
