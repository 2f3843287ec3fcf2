"""The public look-up: no login, disclosed data only, guide prices, rate-limited."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client

from compliance.models import Finding
from institutions.api.views import PublicReadThrottle
from institutions.models import ListStatusChange
from institutions.pricing import guide_price
from tests import factories as f

from .factories import CourseFactory, ForeignStaffFactory, PrepaymentFactory, SiteFactory, TrainerFactory

pytestmark = pytest.mark.django_db
PARAMS = {
    "guide_price_offline_lt10": 80,
    "guide_price_offline_10_35": 60,
    "guide_price_offline_gt35": 40,
    "guide_price_online": 20,
    "guide_price_float": 0.10,
}


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("mode", "size", "minutes", "expected"),
    [
        ("offline", 12, 90, "132.00"),
        ("offline", 25, 45, "66.00"),
        ("offline", 8, 45, "88.00"),
        ("offline", 36, 45, "44.00"),
        ("offline", 35, 45, "66.00"),
        ("online", 500, 30, "22.00"),
        ("online", 1, 45, "33.00"),
    ],
)
def test_guide_price_pro_rated_with_float(mode, size, minutes, expected):
    # 90-minute offline lesson for 12 students: 2 × 60 × 1.1 = 132 (RULES.md's worked example)
    assert guide_price(mode=mode, class_size=size, lesson_minutes=minutes, params=PARAMS).max_allowed == Decimal(
        expected
    )


@pytest.fixture
def published(institution):
    """An institution with public and internal data side by side."""
    institution.licence_no = "教民11010170000123号"
    institution.capital_raised = True
    institution.foreign_controlled = True
    institution.save()
    SiteFactory(institution=institution, address="东城区公开路1号", approved=True)
    SiteFactory(institution=institution, address="东城区未批路9号", approved=False)
    TrainerFactory(institution=institution, name="张公开", certificate_no="20201100000000111")
    TrainerFactory(institution=institution, name="李内部", certificate_no="20201100000000999", disclosed=False)
    ForeignStaffFactory(institution=institution, name="Hidden Person", work_permit_no="WP-SECRET-1")
    CourseFactory(
        institution=institution, name="五年级数学", class_size=25, lesson_minutes=45, price_per_lesson=Decimal("113.00")
    )
    CourseFactory(institution=institution, name="少儿书法", subject="fine_arts", price_per_lesson=Decimal("300.00"))
    hidden = CourseFactory(institution=institution, name="内部测试课程", disclosed=False)
    PrepaymentFactory(course=hidden, account="秘密账户 6222000011112222")
    ListStatusChange.objects.create(
        institution=institution,
        from_status="none",
        to_status="white",
        effective_on=dt.date(2026, 1, 5),
        reason="内部审议意见XYZ",
    )
    Finding.objects.create(
        rule_id="TI-13-LATE-OFFLINE",
        district=institution.district,
        institution=institution,
        evidence={"note": "线索证据ABC"},
        summary="线下培训21点结束",
        fingerprint="fp-lookup-1",
    )
    return institution


def _complaint(institution):
    from complaints.services import complaint_submit

    complaint_submit(
        target_kind="institution",
        category="holiday_or_late_training",
        description="周末晚上十点还在上课投诉内容QQQ",
        occurred_on=dt.date(2026, 11, 14),
        institution=institution,
        contact_name="投诉人王某某",
        contact_phone="13800138000",
    )


def test_public_lookup_without_login_shows_disclosed_data_and_nothing_internal(published):
    _complaint(published)
    client = Client()
    page = client.get(f"/lookup/{published.credit_code}/")
    api = client.get(f"/api/v1/public/institutions/{published.credit_code}/")
    assert page.status_code == 200 and api.status_code == 200
    html = page.content.decode()
    body = json.dumps(api.json(), ensure_ascii=False)
    for text in (html, body):
        for shown in (
            "东城区公开路1号",
            "张公开",
            "20201100000000111",
            "五年级数学",
            "少儿书法",
            published.credit_code,
        ):
            assert shown in text
        for hidden in (
            "东城区未批路9号",
            "李内部",
            "20201100000000999",
            "Hidden Person",
            "WP-SECRET-1",
            "内部测试课程",
            "秘密账户",
            "内部审议意见XYZ",
            "线索证据ABC",
            "线下培训21点结束",
            "TI-13",
            "投诉内容QQQ",
            "投诉人王某某",
            "13800138000",
            "138****8000",
        ):
            assert hidden not in text, hidden
    data = api.json()
    assert not {"capital_raised", "foreign_controlled", "listed", "nonprofit", "findings", "complaints", "id"} & set(
        data
    )
    assert data["licence_status"] == "valid" and data["list_status"] == "none"
    maths = next(c for c in data["courses"] if c["name"] == "五年级数学")
    # the bureau's own example: a class of 25 that charged 113 yuan may charge at most 66 (60 × 1.1)
    assert maths["guide_price"]["max_allowed"] == "66.00" and maths["guide_price"]["above_guide_price"] is True
    assert next(c for c in data["courses"] if c["name"] == "少儿书法")["guide_price"] is None


def test_public_search_by_name_or_code(published, district1):
    f.InstitutionFactory(district=district1, name="别的艺术培训中心")
    client = Client()
    found = client.get("/api/v1/public/institutions/", {"q": published.name[:4]}).json()
    assert published.credit_code in [r["credit_code"] for r in found]
    by_code = client.get("/api/v1/public/institutions/", {"q": published.credit_code.lower()}).json()
    assert [r["credit_code"] for r in by_code] == [published.credit_code]
    page = client.get("/lookup/", {"q": published.credit_code})
    assert page.status_code == 302 and page["Location"].endswith(f"/lookup/{published.credit_code}/")
    assert client.get("/lookup/", {"q": "查无此机构名称"}).status_code == 200


def test_unknown_code_is_404(db):
    assert Client().get("/api/v1/public/institutions/91350100M000100Y43/").status_code == 404
    assert Client().get("/lookup/91350100M000100Y43/").status_code == 404


def test_public_lookup_is_rate_limited_with_a_clear_message(published, monkeypatch):
    monkeypatch.setattr(PublicReadThrottle, "THROTTLE_RATES", {"public_read": "2/min"})
    client = Client()
    url = f"/api/v1/public/institutions/{published.credit_code}/"
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    resp = client.get(url)
    assert resp.status_code == 429
    assert resp.json()["code"] == "throttled" and "秒后再试" in resp.json()["detail"]
    assert "Retry-After" in resp
    page = client.get(f"/lookup/{published.credit_code}/")
    assert page.status_code == 429 and "秒后再试" in page.content.decode()


def test_lookup_page_in_english(published):
    html = Client().get("/lookup/", {"lang": "en"}).content.decode()
    assert '<html lang="en">' in html
    assert '<label for="id_q">' in html


def test_public_search_and_card_query_counts(published, district1, django_assert_max_num_queries):
    for n in range(5):
        f.InstitutionFactory(district=district1, name=f"{published.name[:4]}分校{n}")
    client = Client()
    with django_assert_max_num_queries(2):
        found = client.get("/api/v1/public/institutions/", {"q": published.name[:4]}).json()
    assert len(found) == 6
    with django_assert_max_num_queries(6):
        assert client.get(f"/api/v1/public/institutions/{published.credit_code}/").status_code == 200
