"""The demo generator gives every after-school rule something to find."""

import datetime as dt
import random

import pytest
from django.core.management import call_command

from afterschool import rules
from afterschool import seed as afterschool_seed
from afterschool.models import Activity, DailyReport, Programme
from institutions.models import Institution
from schools.models import District
from tests import factories as f

from .conftest import run_rule

pytestmark = pytest.mark.django_db

SPAN = (dt.date(2026, 11, 9), dt.date(2026, 11, 20))


def test_seed_breaks_each_rule_at_about_the_set_rate(monkeypatch):
    call_command("seed_demo", "--scale", "small", "--only", "schools", "institutions", "--violations", "0.3")
    for district in District.objects.filter(schools__isnull=False).distinct():
        if not Institution.objects.filter(district=district).exists():
            f.InstitutionFactory.create_batch(3, district=district, category="non_subject", domain="sports")
            f.InstitutionFactory(district=district, category="subject")
    call_command("seed_demo", "--scale", "small", "--only", "afterschool", "--violations", "0.3")
    assert Programme.objects.exists() and Activity.objects.exists()
    reports = DailyReport.objects.count()
    assert reports > 0
    monkeypatch.setattr(rules, "_today", lambda: dt.date(2026, 11, 27))
    districts = District.objects.filter(schools__isnull=False).distinct()
    found = {
        rule_id: [v for d in districts for v in run_rule(rule_id, d, *SPAN)]
        for rule_id in [
            "AS-8-PE",
            "AS-8-END",
            "AS-8-CARE",
            "AS-9-NEWLESSON",
            "AS-9-VOLUNTARY",
            "AS-10-PROVIDER",
            "AS-REPORT-MISSING",
        ]
    }
    for rule_id, violations in found.items():
        assert violations, rule_id
    assert 0.15 < len(found["AS-8-END"]) / reports < 0.45
    assert len(found["AS-8-CARE"]) == round(0.3 * Programme.objects.count())
    # seeded reports are filed on their day: only the share left out is missing
    expected = len(found["AS-REPORT-MISSING"]) + reports
    assert 0.15 < len(found["AS-REPORT-MISSING"]) / expected < 0.45


def test_seed_is_deterministic():
    call_command("seed_demo", "--scale", "small", "--only", "schools", "institutions")

    def snapshot():
        DailyReport.objects.all().delete()
        Activity.objects.all().delete()
        Programme.objects.all().delete()
        afterschool_seed.seed(
            rng=random.Random("7:afterschool"),
            scale="small",
            violation_rate=0.1,
            date_from=SPAN[0],
            date_to=SPAN[1],
            log=lambda msg: None,
        )
        return list(
            DailyReport.objects.order_by("school__code", "date").values_list(
                "school__code", "date", "pe_minutes", "stage1_minutes", "end_time", "compulsory"
            )
        )

    assert snapshot() == snapshot()
