import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_district_staff_get_404_for_another_districts_school(as_user, district_user, school_a, school_b):
    client = as_user(district_user)
    assert client.get(f"/api/v1/schools/{school_a.pk}/").status_code == 200
    assert client.get(f"/api/v1/schools/{school_b.pk}/").status_code == 404
    listed = [row["id"] for row in client.get("/api/v1/schools/").json()["results"]]
    assert listed == [school_a.pk]


def test_school_staff_see_only_their_classes(as_user, school_user, school_a, school_b):
    mine = f.SchoolClassFactory(school=school_a)
    other = f.SchoolClassFactory(school=school_b)
    client = as_user(school_user)
    assert client.get(f"/api/v1/classes/{mine.pk}/").status_code == 200
    assert client.get(f"/api/v1/classes/{other.pk}/").status_code == 404


def test_school_staff_cannot_create_a_class_in_another_school(as_user, school_user, school_b):
    resp = as_user(school_user).post(
        "/api/v1/classes/", {"school": school_b.pk, "academic_year": 2026, "grade": 3, "name": "3班"}, format="json"
    )
    assert resp.status_code == 400
    assert "school" in resp.json()["fields"]


def test_grade_out_of_range_is_a_field_error(as_user, city_user, school_a):
    resp = as_user(city_user).post(
        "/api/v1/classes/", {"school": school_a.pk, "academic_year": 2026, "grade": 10, "name": "X"}, format="json"
    )
    assert resp.status_code == 400
    assert "grade" in resp.json()["fields"]


def test_anonymous_is_refused(api):
    assert api.get("/api/v1/schools/").status_code in (401, 403)


def test_districts_by_code(as_user, city_user):
    resp = as_user(city_user).get("/api/v1/districts/110108/")
    assert resp.status_code == 200 and resp.json()["name"] == "海淀区"
    assert as_user(city_user).get("/api/v1/districts/").json()["count"] == 16


def test_district_list_query_count(as_user, city_user, django_assert_max_num_queries):
    f.SchoolFactory.create_batch(5)
    client = as_user(city_user)
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/schools/").status_code == 200
