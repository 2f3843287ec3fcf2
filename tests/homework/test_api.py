"""The bulk API: all or nothing, per-item errors naming the row, re-filing replaces, scoped lists."""

import datetime as dt

import pytest

from homework.models import HomeworkDay, HomeworkItem
from tests import clock

from .conftest import HOLIDAY_MONDAY, REST_SATURDAY, SCHOOL_DAY, VACATION_MONDAY, item


@pytest.fixture(autouse=True)
def _day_open():
    """The filings here are made on the school day itself, while it is open (``periods.closing``)."""
    with clock.on_day(SCHOOL_DAY):
        yield


pytestmark = pytest.mark.django_db

URL = "/api/v1/homework/"


def post(client, data):
    return client.post(URL, data, format="json")


def test_a_list_is_filed_and_a_class_day_recorded(as_user, school_user, g4, g8):
    resp = post(
        as_user(school_user),
        [
            item(g4, subject="maths"),
            item(g4, subject="chinese", kind="oral"),
            item(g8, subject="physics", for_parents=True),
        ],
    )
    assert resp.status_code == 201, resp.json()
    assert resp.json() == {"created": 3, "replaced": 0, "days": 2}
    assert HomeworkItem.objects.count() == 3
    assert HomeworkItem.objects.get(subject="physics").for_parents is True
    assert HomeworkItem.objects.get(subject="maths").at_home is True  # the default
    assert HomeworkDay.objects.count() == 2


def test_a_single_object_is_accepted(as_user, school_user, g4):
    resp = post(as_user(school_user), item(g4))
    assert resp.status_code == 201 and resp.json()["created"] == 1


def test_refiling_a_subject_replaces_never_duplicates(as_user, school_user, g4):
    client = as_user(school_user)
    post(
        client,
        [
            item(g4, subject="maths", minutes=20),
            item(g4, subject="maths", kind="oral", minutes=5),
            item(g4, subject="chinese", minutes=15),
        ],
    )
    resp = post(client, [item(g4, subject="maths", minutes=10)])
    assert resp.json() == {"created": 1, "replaced": 2, "days": 1}
    rows = sorted(HomeworkItem.objects.values_list("subject", "kind", "minutes"))
    assert rows == [("chinese", "written", 15), ("maths", "written", 10)]
    assert HomeworkDay.objects.count() == 1


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ({"minutes": -5}, "minutes", "0 到 300"),
        ({"minutes": 301}, "minutes", "0 到 300"),
        ({"minutes": 9999}, "minutes", "0 到 300"),
        ({"minutes": 12.5}, "minutes", "整数"),
        ({"minutes": "abc"}, "minutes", "整数"),
        ({"subject": "astrology"}, "subject", "未知学科"),
        ({"kind": "essay"}, "kind", "未知作业类型"),
        ({"date": "2026-13-01"}, "date", "YYYY-MM-DD"),
        ({"date": REST_SATURDAY.isoformat()}, "date", "休息日"),
        ({"date": HOLIDAY_MONDAY.isoformat()}, "date", "法定节假日"),
        ({"date": "2099-01-05"}, "date", "未来"),
        ({"school_class": 999999}, "school_class", "班级不存在或不在您的管辖范围"),
        ({"at_home": "maybe"}, "at_home", "是/否"),
        ({"subject": None}, "subject", "必填"),
        ({"grade": 10}, "grade", "1 到 9"),
        ({"grade": 0}, "grade", "1 到 9"),
        ({"grade": 7}, "grade", "与填写的 7 年级不符"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_saved(as_user, school_user, g4, bad, field, words):
    rows = [item(g4, subject="maths"), {**item(g4, subject="chinese"), **bad}]
    resp = post(as_user(school_user), rows)
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["row 2"]
    assert any(words in m for m in body["fields"]["row 2"][field]), body
    assert HomeworkItem.objects.count() == 0 and HomeworkDay.objects.count() == 0


def test_another_schools_class_is_the_same_error_as_an_unknown_one(as_user, school_user, g4, other_class):
    resp = post(as_user(school_user), [item(g4), item(other_class)])
    assert resp.status_code == 400
    assert resp.json()["fields"] == {"row 2": {"school_class": ["班级不存在或不在您的管辖范围"]}}
    assert HomeworkItem.objects.count() == 0


def test_a_vacation_day_cannot_be_filed(as_user, school_user, school_a):
    from tests import factories as f

    last_year = f.SchoolClassFactory(school=school_a, academic_year=2025)
    resp = post(as_user(school_user), [item(last_year, day=VACATION_MONDAY)])
    assert "寒暑假" in resp.json()["fields"]["row 1"]["date"][0]
    with clock.on_day(dt.date(2026, 3, 2)):  # a school day of that year, filed while it was open
        assert post(as_user(school_user), [item(last_year, day=dt.date(2026, 3, 2))]).status_code == 201


def test_a_date_outside_the_classes_academic_year_is_refused(as_user, school_user, g4):
    resp = post(as_user(school_user), [item(g4, day=dt.date(2026, 6, 1))])
    assert resp.json()["fields"]["row 1"]["date"] == ["日期不在该班级所在学年内"]


def test_duplicate_rows_in_one_batch_name_both_rows(as_user, school_user, g4):
    resp = post(as_user(school_user), [item(g4), item(g4, subject="chinese"), item(g4, minutes=5)])
    fields = resp.json()["fields"]
    assert set(fields) == {"row 1", "row 3"}
    assert "第 1 行 与 第 3 行 重复填报" in fields["row 3"]["subject"][0]
    assert HomeworkItem.objects.count() == 0


def test_a_calendar_gap_is_a_clear_error(as_user, city_user, school_a):
    from tests import factories as f

    future_class = f.SchoolClassFactory(school=school_a, academic_year=2027)
    from unittest import mock

    with mock.patch("homework.validation.timezone.localdate", return_value=dt.date(2027, 12, 31)):
        resp = post(as_user(city_user), [item(future_class, day=dt.date(2027, 9, 6))])
    assert resp.status_code == 400
    assert "2027 年的法定节假日" in resp.json()["fields"]["row 1"]["date"][0]


def test_more_than_5000_items_is_refused(as_user, school_user, g4):
    resp = post(as_user(school_user), [item(g4)] * 5001)
    assert resp.status_code == 400 and "5000" in resp.json()["detail"]


def test_an_empty_or_malformed_body_is_a_400(as_user, school_user):
    client = as_user(school_user)
    assert post(client, []).status_code == 400
    assert post(client, ["x"]).json()["fields"]["row 1"]["non_field_errors"]


def test_institution_staff_may_not_file(as_user, institution_user, g4):
    assert post(as_user(institution_user), [item(g4)]).status_code == 403


def test_anonymous_may_not_file(api, g4):
    assert post(api, [item(g4)]).status_code in (401, 403)


def test_lists_are_scoped_and_filtered(as_user, school_user, school_b_user, district_user, g4, g8, other_class):
    post(as_user(school_user), [item(g4, subject="maths"), item(g8, subject="physics")])
    post(as_user(school_b_user), [item(other_class)])
    assert as_user(school_user).get(URL).json()["count"] == 2
    assert as_user(school_b_user).get(URL).json()["count"] == 1
    assert as_user(district_user).get(URL, {"subject": "physics"}).json()["count"] == 1
    other_id = HomeworkItem.objects.get(school_class=other_class).pk
    assert as_user(school_user).get(f"{URL}{other_id}/").status_code == 404


def test_list_query_count(as_user, school_user, g4, g8, django_assert_max_num_queries):
    post(as_user(school_user), [item(c, subject=s) for c in (g4, g8) for s in ("maths", "chinese", "english")])
    client = as_user(school_user)
    with django_assert_max_num_queries(4):
        assert client.get(URL).json()["count"] == 6
    with django_assert_max_num_queries(4):
        assert client.get("/api/v1/homework/days/").json()["count"] == 2


def test_no_homework_today_through_the_api(as_user, school_user, g4, other_class):
    client = as_user(school_user)
    post(client, [item(g4)])
    resp = client.post("/api/v1/homework/days/", {"school_class": g4.pk, "date": SCHOOL_DAY.isoformat()}, format="json")
    assert resp.status_code == 201
    assert HomeworkItem.objects.count() == 0 and HomeworkDay.objects.get().no_homework is True
    resp = client.post(
        "/api/v1/homework/days/", {"school_class": other_class.pk, "date": SCHOOL_DAY.isoformat()}, format="json"
    )
    assert resp.status_code == 400 and "school_class" in resp.json()["fields"]


def test_a_survey_is_recorded_for_a_filed_item_only(as_user, school_user, g4):
    client = as_user(school_user)
    body = {
        "school_class": g4.pk,
        "date": SCHOOL_DAY.isoformat(),
        "subject": "maths",
        "kind": "written",
        "measured_minutes": 42,
        "sample_size": 8,
    }
    assert client.post("/api/v1/homework/surveys/", body, format="json").status_code == 400
    post(client, [item(g4)])
    resp = client.post("/api/v1/homework/surveys/", body, format="json")
    assert resp.status_code == 201, resp.json()
    resp = client.post("/api/v1/homework/surveys/", {**body, "measured_minutes": 35}, format="json")
    assert resp.status_code == 201
    assert client.get("/api/v1/homework/surveys/").json()["results"][0]["measured_minutes"] == 35


def test_a_filing_asks_for_a_sweep_of_its_school_and_dates(as_user, school_user, g4):
    from compliance.models import SweepRequest

    post(as_user(school_user), [item(g4), item(g4, day=dt.date(2026, 11, 9))])
    assert sorted(SweepRequest.objects.values_list("school_id", "date")) == [
        (g4.school_id, dt.date(2026, 11, 9)),
        (g4.school_id, SCHOOL_DAY),
    ]


def test_a_survey_for_another_schools_class_is_refused(as_user, school_user, school_b_user, other_class):
    post(as_user(school_b_user), [item(other_class)])
    body = {
        "school_class": other_class.pk,
        "date": SCHOOL_DAY.isoformat(),
        "subject": "maths",
        "kind": "written",
        "measured_minutes": 42,
        "sample_size": 8,
    }
    resp = as_user(school_user).post("/api/v1/homework/surveys/", body, format="json")
    assert resp.status_code == 400 and "school_class" in resp.json()["fields"]


def test_survey_list_query_count(as_user, school_user, g4, django_assert_max_num_queries):
    client = as_user(school_user)
    post(client, [item(g4, subject=s) for s in ("maths", "chinese", "english")])
    for s in ("maths", "chinese", "english"):
        client.post(
            "/api/v1/homework/surveys/",
            {
                "school_class": g4.pk,
                "date": SCHOOL_DAY.isoformat(),
                "subject": s,
                "kind": "written",
                "measured_minutes": 20,
                "sample_size": 5,
            },
            format="json",
        )
    with django_assert_max_num_queries(4):
        assert client.get("/api/v1/homework/surveys/").json()["count"] == 3


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_filing_of_the_same_key_is_a_409_not_a_500(as_user, school_user, g4):
    from unittest import mock

    client = as_user(school_user)
    assert post(client, [item(g4)]).status_code == 201
    # the other request's rows are not visible yet when this one decides what to replace
    with mock.patch("homework.sql.days_filed", return_value=set()):
        resp = post(client, [item(g4, minutes=5)])
    assert resp.status_code == 409 and resp.json()["code"] == "conflict"
    assert list(HomeworkItem.objects.values_list("minutes", flat=True)) == [20]


def test_filing_runs_a_fixed_number_of_queries(as_user, school_user, school_a, django_assert_max_num_queries):
    from tests import factories as f

    classes = [f.SchoolClassFactory(school=school_a, grade=3 + n % 6) for n in range(40)]
    rows = [item(c, subject=s) for c in classes for s in ("maths", "chinese", "english", "science")]
    client = as_user(school_user)
    with django_assert_max_num_queries(15):
        assert post(client, rows).status_code == 201
    with django_assert_max_num_queries(16):  # re-filing: the same, plus the replacement's delete
        assert post(client, rows).json()["replaced"] == 160
