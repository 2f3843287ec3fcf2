"""The demo generator's institutions part: deterministic, compliant at rate 0, violating each rule when asked."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from compliance import registry
from compliance.models import Finding
from compliance.services import run_create, run_execute_sync
from institutions.models import Course, Institution, Prepayment, Session, Trainer
from institutions.validators import validate_credit_code
from schools.models import SchoolTeacher

pytestmark = pytest.mark.django_db
SPAN = (dt.date(2026, 11, 9), dt.date(2026, 11, 20))


def _seed(seed=3, violations=0.05, parts=("schools", "institutions")):
    call_command("seed_demo", scale="small", seed=seed, violations=violations, only=list(parts), stdout=io.StringIO())


def _snapshot():
    return (
        list(
            Institution.objects.order_by("credit_code").values_list(
                "credit_code", "name", "category", "licence_status", "list_status"
            )
        ),
        list(
            Session.objects.order_by("course__institution__credit_code", "course__name", "starts_at").values_list(
                "course__institution__credit_code", "course__name", "starts_at", "ends_at", "mode"
            )
        ),
        list(
            Trainer.objects.order_by("institution__credit_code", "name", "certificate_no").values_list(
                "institution__credit_code", "name", "certificate_no"
            )
        ),
    )


def test_seed_is_deterministic_and_codes_are_valid():
    _seed()
    first = _snapshot()
    Institution.objects.all().delete()
    _seed(parts=["institutions"])
    assert _snapshot() == first
    assert len(first[0]) >= 12 and len(first[1]) > 50
    for code, *_rest in first[0]:
        validate_credit_code(code)
    assert Course.objects.exists() and Prepayment.objects.exists()


def _sweep():
    rules = [r.id for r in registry.auto_rules() if r.id.startswith(("TI-", "TE-"))]
    run_execute_sync(run=run_create(date_from=SPAN[0], date_to=SPAN[1], rule_ids=rules))
    return set(Finding.objects.filter(rule_id__in=rules).values_list("rule_id", flat=True)), rules


def test_rate_zero_breaks_no_training_rule():
    _seed(violations=0, parts=("schools", "institutions", "funds"))
    # some trainers are teachers who retired or left school: allowed
    former = SchoolTeacher.objects.exclude(status="serving").values("certificate_no")
    assert Trainer.objects.filter(certificate_no__in=former).exists()
    fired, rules = _sweep()
    assert len(rules) > 20
    assert fired == set()


def test_a_high_rate_breaks_most_training_rules():
    _seed(violations=0.3, parts=("schools", "institutions", "funds"))
    fired, rules = _sweep()
    assert len(fired) >= len(rules) - 3, sorted(set(rules) - fired)
