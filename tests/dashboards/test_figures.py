"""The dashboard figures of a hand-made school week, checked against what a person counts by hand."""

import pytest
from django.urls import reverse

from dashboards.services import stats_refresh

from .conftest import DAYS

pytestmark = pytest.mark.django_db

RANGE = {"date_from": DAYS[0].isoformat(), "date_to": DAYS[-1].isoformat()}


@pytest.fixture
def refreshed(filings, district1, district2):
    stats_refresh(district_ids=[district1.pk, district2.pk], date_from=DAYS[0], date_to=DAYS[-1])
    return filings


def band(data, name):
    return next(b for b in data["homework"]["bands"] if b["grade_band"] == name)


def test_district_homework_figures(refreshed, as_user, district_user):
    r = as_user(district_user).get(reverse("api:dashboard-district", args=["110101"]), RANGE)
    assert r.status_code == 200, r.content
    data = r.json()
    g36 = band(data, "G36")
    # grade 4: 5 expected, 4 filed (Thu missing), 3 on time (Tue late); minutes 50, 70, 55, 0
    assert (g36["expected"], g36["filed"], g36["on_time"]) == (5, 4, 3)
    assert g36["within_limit"] == 3 and g36["within_limit_share"] == 0.75
    assert g36["avg_minutes"] == round((50 + 70 + 55 + 0) / 4, 1)
    assert g36["p90_minutes"] == 70
    g12 = band(data, "G12")
    assert (g12["expected"], g12["filed"], g12["within_limit"]) == (5, 2, 1)
    assert g12["avg_minutes"] == 5.0  # 10 at home on Monday, 0 on Tuesday (written in school is not counted)
    g79 = band(data, "G79")
    assert (g79["filed"], g79["within_limit"], g79["avg_minutes"], g79["p90_minutes"]) == (5, 5, 90.0, 90)
    filing = data["homework"]["filing"]
    assert (filing["expected"], filing["filed"], filing["on_time"]) == (15, 11, 10)
    assert filing["completeness"] == round(11 / 15, 4)
    assert data["homework"]["weeks"][0]["week"] == "2026-11-09"
    assert data["homework"]["weeks"][0]["G36"]["filed"] == 4


def test_district_afterschool_figures(refreshed, as_user, district_user):
    data = as_user(district_user).get(reverse("api:dashboard-district", args=["110101"]), RANGE).json()
    a = data["afterschool"]
    assert (a["expected"], a["reported"], a["on_time"]) == (5, 4, 3)
    assert a["participation_rate"] == round((90 + 90 + 100 + 90) / (100 + 100 + 200 + 100), 4)
    assert a["ended_after_1730"] == 3 and a["ended_after_1730_share"] == 0.75
    assert a["avg_exercise_minutes"] == round((70 + 55 + 70 + 70) / 4, 1)


def test_filters_narrow_the_figures(refreshed, as_user, district_user):
    url = reverse("api:dashboard-district", args=["110101"])
    data = as_user(district_user).get(url, {**RANGE, "grade_band": "G79"}).json()
    assert [b["grade_band"] for b in data["homework"]["bands"]] == ["G79"]
    assert data["homework"]["filing"]["expected"] == 5
    data = as_user(district_user).get(url, {**RANGE, "stage": "primary"}).json()
    assert data["homework"]["filing"]["expected"] == 0  # school A is a nine-year school
    data = as_user(district_user).get(url, {"date_from": DAYS[0].isoformat(), "date_to": DAYS[0].isoformat()}).json()
    assert band(data, "G36")["filed"] == 1


def test_city_dashboard_puts_districts_side_by_side(refreshed, as_user, city_user):
    r = as_user(city_user).get(reverse("api:dashboard-city"), RANGE)
    assert r.status_code == 200, r.content
    data = r.json()
    by_code = {d["code"]: d for d in data["districts"]}
    assert len(by_code) == 16
    assert by_code["110102"]["homework"]["filing"] == {
        "expected": 5,
        "filed": 1,
        "on_time": 1,
        "completeness": 0.2,
        "timeliness": 0.2,
    }
    assert by_code["110105"]["homework"]["filing"]["expected"] == 0
    assert band(data, "G36")["filed"] == 5
    assert band(data, "G36")["p90_minutes"] == 100
    assert data["afterschool"]["reported"] == 5


def test_school_dashboard(refreshed, as_user, school_user):
    r = as_user(school_user).get(reverse("api:dashboard-school", args=[school_user.profile.school_id]), RANGE)
    assert r.status_code == 200, r.content
    data = r.json()
    assert band(data, "G36")["p90_minutes"] == 70
    assert data["homework"]["filing"]["filed"] == 11
    assert data["afterschool"]["reported"] == 4
    assert "complaints" not in data and "institutions" not in data
