"""A parent looking up a black-listed or unlicensed institution sees an unmistakable warning (why, since when,
"请勿报名缴费", the refund and complaint route) and no normal-looking price list."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client

from institutions.models import ListStatusChange
from tests import factories as f

from .factories import CourseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def _page(institution):
    return Client().get(f"/lookup/{institution.credit_code}/").content.decode()


def test_a_black_listed_institution_shows_the_red_warning_and_no_price_list(district1):
    inst = f.InstitutionFactory(district=district1, list_status="black", list_status_since=dt.date(2026, 10, 8))
    ListStatusChange.objects.create(
        institution=inst,
        from_status="none",
        to_status="black",
        effective_on=dt.date(2026, 10, 8),
        reason="无证开展学科培训",
    )
    CourseFactory(institution=inst, name="数学冲刺班", price_per_lesson=Decimal("400.00"))
    html = _page(inst)
    banner = html.split('class="danger-banner"')[1].split("</section>")[0]
    assert "已列入黑名单" in banner and "无证开展学科培训" in banner and "2026-10-08" in banner
    assert "请勿报名缴费" in banner and "12345" in banner and "退费" in banner
    assert f"/complaints/new/?institution={inst.credit_code}" in banner
    assert "数学冲刺班" not in html and "400.00" not in html and "不显示其课程价格" in html
    # the complaint form linked from the banner names the institution already
    form = Client().get(f"/complaints/new/?institution={inst.credit_code}&category=prepayment_refund").content.decode()
    assert f'value="{inst.name}"' in form and 'value="prepayment_refund" selected' in form


def test_a_revoked_licence_shows_the_warning(district1):
    inst = f.InstitutionFactory(district=district1, licence_status="revoked")
    html = _page(inst)
    assert "办学许可证已被吊销" in html.split('class="danger-banner"')[1] and "请勿报名缴费" in html


def test_a_licensed_institution_shows_its_price_table_without_a_warning(district1):
    inst = f.InstitutionFactory(district=district1, licence_status="valid", list_status="white")
    CourseFactory(institution=inst, name="英语阅读班")
    html = _page(inst)
    assert "danger-banner" not in html and "英语阅读班" in html and 'class="prices"' in html
