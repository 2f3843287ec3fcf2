"""The demo generator's funds part: an account per subject-type institution, statements with a few shortfalls and
early releases, refund requests in every state."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from compliance.choices import ACTIVE_STATUSES
from compliance.models import Finding
from compliance.registry import get_rule
from compliance.services import sweep_rule_district
from funds.models import BankStatement, RefundRequest, StatementLine, SupervisedAccount
from institutions.models import Institution
from schools.models import District

pytestmark = pytest.mark.django_db


def test_seed_demo_shows_the_feature_working():
    call_command(
        "seed_demo",
        scale="small",
        seed=3,
        only=["schools", "institutions", "complaints", "funds"],
        stdout=io.StringIO(),
    )
    subject = Institution.objects.filter(category="subject")
    assert subject.exists()
    assert set(SupervisedAccount.objects.values_list("institution_id", flat=True)) == set(
        subject.values_list("pk", flat=True)
    )
    assert set(RefundRequest.objects.values_list("state", flat=True)) == {"requested", "accepted", "refused", "paid"}
    assert StatementLine.objects.filter(kind="refund").exists()
    assert BankStatement.objects.exists()
    for district in District.objects.filter(institutions__isnull=False).distinct():
        for rule_id in ("TI-15-CUSTODY", "TI-15-EARLY-RELEASE"):
            sweep_rule_district(
                rule=get_rule(rule_id), district=district, date_from=dt.date(2026, 11, 9), date_to=dt.date(2026, 11, 20)
            )
    found = set(Finding.objects.filter(status__in=ACTIVE_STATUSES).values_list("rule_id", flat=True))
    assert {"TI-15-CUSTODY", "TI-15-EARLY-RELEASE"} <= found
    assert any("shortfall" in f.evidence for f in Finding.objects.filter(rule_id="TI-15-CUSTODY"))
