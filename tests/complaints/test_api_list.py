"""The staff list: scoped, filtered, masked, in a fixed number of queries."""

import pytest

from tests import factories as f

from .conftest import png_upload
from .helpers import submit

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"


def test_list_query_count_does_not_grow_with_rows(
    district1, school_a, district_user, as_user, django_assert_max_num_queries
):
    inst = f.InstitutionFactory(district=district1)
    teacher = f.SchoolTeacherFactory(school=school_a)
    for i in range(12):
        submit(target_kind="institution", institution=inst, category="advertising", contact_phone="13800000000")
        submit(
            target_kind="teacher",
            school=school_a,
            teacher=teacher,
            category="paid_tutoring",
            photos=[png_upload()] if i % 3 == 0 else [],
        )
    client = as_user(district_user)
    with django_assert_max_num_queries(8):
        r = client.get(URL)
    assert r.status_code == 200 and r.json()["count"] == 24
    rows = r.json()["results"]
    assert {row["target"] for row in rows} == {inst.name, f"{school_a.name} · {teacher.name}"}
    assert sum(row["photo_count"] for row in rows) == 4


def test_filters(district1, district2, city_user, as_user):
    a, _ = submit(target_kind="other", target_text="甲", district=district1, category="advertising")
    b, _ = submit(target_kind="other", target_text="乙", district=district2, category="other")
    client = as_user(city_user)

    def codes(**params):
        return {row["tracking_code"] for row in client.get(URL, params).json()["results"]}

    assert codes() == {a.tracking_code, b.tracking_code}
    assert codes(district="110102") == {b.tracking_code}
    assert codes(department="market_regulation") == {a.tracking_code}
    assert codes(category="other") == {b.tracking_code}
    assert codes(state="received") == {a.tracking_code, b.tracking_code}
    assert codes(state="closed") == set()


def test_school_and_institution_users_see_no_complaints(
    district1, school_a, school_user, institution, institution_user, as_user
):
    submit(target_kind="school", school=school_a, category="excessive_homework")
    submit(target_kind="institution", institution=institution, category="unlicensed")
    for user in (school_user, institution_user):
        assert as_user(user).get(URL).json()["count"] == 0


def test_anonymous_cannot_list(api, district1):
    submit(target_kind="other", target_text="甲", district=district1)
    assert api.get(URL).status_code in (401, 403)
