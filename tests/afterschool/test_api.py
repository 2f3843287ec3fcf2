"""The reports API contract and the other after-school endpoints: filing, validation, scope, query counts."""

import datetime as dt

import pytest

from afterschool.models import Activity, DailyReport, Programme, ProviderSelection
from compliance.models import SweepRequest
from tests import clock
from tests import factories as f

from .conftest import MAKEUP_SATURDAY, MONDAY, NATIONAL_DAY, WINTER_VACATION_MONDAY, make_report, payload


@pytest.fixture(autouse=True)
def _day_open():
    """The reports here are filed on the school day itself, while it is open (``periods.closing``)."""
    with clock.on_day(MONDAY):
        yield


pytestmark = pytest.mark.django_db
URL = "/api/v1/afterschool/reports/"
CONTRACT = {
    "school",
    "date",
    "pe_minutes",
    "stage1_minutes",
    "end_time",
    "enrolled",
    "participants",
    "new_lessons",
    "compulsory",
    "extended_care",
}


def test_school_files_one_report_and_a_sweep_is_requested(as_user, school_user, school_a):
    resp = as_user(school_user).post(URL, payload(school_a), format="json")
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert CONTRACT <= set(body)
    assert body["end_time"] == "17:30" and body["date"] == MONDAY.isoformat() and body["school"] == school_a.pk
    report = DailyReport.objects.get()
    assert report.filed_by == school_user and report.participants == 280
    assert list(SweepRequest.objects.values_list("school_id", "date", "reason")) == [
        (school_a.pk, MONDAY, "afterschool")
    ]


def test_a_list_is_filed_together(as_user, school_user, school_a):
    days = [MONDAY + dt.timedelta(days=i) for i in range(2)]
    with clock.on_day(days[-1]):  # both days open: Monday's until the end of Tuesday (grace 1 day)
        resp = as_user(school_user).post(URL, [payload(school_a, d) for d in days], format="json")
    assert resp.status_code == 201
    assert [row["date"] for row in resp.json()] == [d.isoformat() for d in days]
    assert DailyReport.objects.count() == 2


def test_refiling_the_same_school_and_date_replaces_it(as_user, school_user, school_a):
    client = as_user(school_user)
    first = client.post(URL, payload(school_a, end_time="17:00"), format="json").json()
    second = client.post(URL, payload(school_a, end_time="18:00", participants=250), format="json")
    assert second.status_code == 201
    report = DailyReport.objects.get()
    assert report.end_time == dt.time(18, 0) and report.participants == 250
    assert second.json()["id"] == first["id"]
    assert second.json()["first_filed_at"] == first["first_filed_at"]


def test_another_schools_report_is_a_field_error_naming_the_row_and_nothing_is_saved(
    as_user, school_user, school_a, school_b
):
    rows = [payload(school_a), payload(school_b)]
    resp = as_user(school_user).post(URL, rows, format="json")
    assert resp.status_code == 400
    fields = resp.json()["fields"]
    assert list(fields) == ["row 2"] and "school" in fields["row 2"]
    assert DailyReport.objects.count() == 0


def test_single_report_for_another_district_is_a_field_error(as_user, district_user, school_b):
    resp = as_user(district_user).post(URL, payload(school_b), format="json")
    assert resp.status_code == 400 and "school" in resp.json()["fields"]


def test_another_schools_report_is_404(as_user, school_user, school_b_user, school_a, district2_user):
    report = make_report(school_a)
    assert as_user(school_user).get(f"{URL}{report.pk}/").status_code == 200
    assert as_user(school_b_user).get(f"{URL}{report.pk}/").status_code == 404
    assert as_user(district2_user).get(f"{URL}{report.pk}/").status_code == 404


@pytest.mark.parametrize(("field", "value"), [("pe_minutes", -1), ("stage1_minutes", -5), ("enrolled", -1)])
def test_negative_figures_are_refused(as_user, school_user, school_a, field, value):
    resp = as_user(school_user).post(URL, payload(school_a, **{field: value}), format="json")
    assert resp.status_code == 400
    assert field in resp.json()["fields"]
    assert not DailyReport.objects.exists()


def test_participants_may_equal_but_not_exceed_enrolled(as_user, school_user, school_a):
    client = as_user(school_user)
    resp = client.post(URL, payload(school_a, enrolled=300, participants=301), format="json")
    assert resp.status_code == 400
    assert "301" in resp.json()["fields"]["participants"][0]
    assert client.post(URL, payload(school_a, enrolled=300, participants=300), format="json").status_code == 201


@pytest.mark.parametrize("day", [NATIONAL_DAY, dt.date(2026, 11, 7), WINTER_VACATION_MONDAY])
def test_a_day_that_is_not_a_school_day_is_refused(as_user, school_user, school_a, day):
    resp = as_user(school_user).post(URL, payload(school_a, day), format="json")
    assert resp.status_code == 400
    assert "不是上学日" in resp.json()["fields"]["date"][0]


def test_a_makeup_saturday_may_be_filed(as_user, school_user, school_a):
    with clock.on_day(MAKEUP_SATURDAY):
        assert as_user(school_user).post(URL, payload(school_a, MAKEUP_SATURDAY), format="json").status_code == 201


def test_a_future_date_is_refused(as_user, school_user, school_a):
    client = as_user(school_user)
    future = client.post(URL, payload(school_a, dt.date.today() + dt.timedelta(days=7)), format="json")
    assert future.status_code == 400 and "date" in future.json()["fields"]


def test_errors_of_several_rows_are_all_named(as_user, school_user, school_a):
    rows = [
        payload(school_a),
        payload(school_a, pe_minutes="sixty"),
        payload(school_a),
        payload(school_a, MONDAY + dt.timedelta(days=1), participants=999),
    ]
    resp = as_user(school_user).post(URL, rows, format="json")
    assert resp.status_code == 400
    fields = resp.json()["fields"]
    assert set(fields) == {"row 2"}  # type errors are reported first
    rows[1]["pe_minutes"] = 60
    fields = as_user(school_user).post(URL, rows, format="json").json()["fields"]
    assert set(fields) == {"row 2", "row 3", "row 4"}
    assert "第 1 行" in fields["row 2"]["date"][0] and "participants" in fields["row 4"]
    assert not DailyReport.objects.exists()


def test_missing_contract_field_is_named(as_user, school_user, school_a):
    data = payload(school_a)
    del data["compulsory"]
    resp = as_user(school_user).post(URL, data, format="json")
    assert resp.status_code == 400 and "compulsory" in resp.json()["fields"]


def test_institution_staff_and_anonymous_may_not_file(as_user, api, institution_user, school_a):
    assert as_user(institution_user).post(URL, payload(school_a), format="json").status_code == 403
    assert api.post(URL, payload(school_a), format="json").status_code in (401, 403)


def test_report_list_is_scoped_filtered_and_counted(
    as_user, district_user, school_a, school_b, django_assert_max_num_queries
):
    others = f.SchoolFactory.create_batch(5, district=school_a.district)
    for s in [school_a, *others]:
        make_report(s, MONDAY)
        make_report(s, MONDAY + dt.timedelta(days=1), end_time=dt.time(17, 0))
    make_report(school_b, MONDAY)
    client = as_user(district_user)
    with django_assert_max_num_queries(6):
        body = client.get(URL).json()
    assert body["count"] == 12
    assert client.get(URL, {"end_time__lt": "17:30"}).json()["count"] == 6
    assert client.get(URL, {"school": school_a.pk, "date": MONDAY.isoformat()}).json()["count"] == 1
    assert client.get(URL, {"district": "110102"}).json()["count"] == 0


# -- programmes, activities, provider selections --------------------------------


def test_school_saves_its_programme_and_adds_activities(as_user, school_user, school_a, autumn_2026):
    client = as_user(school_user)
    resp = client.post(
        "/api/v1/afterschool/programmes/",
        {"school": school_a.pk, "term": autumn_2026.pk, "extended_care": True},
        format="json",
    )
    assert resp.status_code == 201, resp.json()
    programme = Programme.objects.get()
    assert SweepRequest.objects.filter(school=school_a, date=autumn_2026.starts_on).exists()
    act = client.post(
        "/api/v1/afterschool/activities/",
        {"programme": programme.pk, "name": "篮球", "kind": "pe", "provider_kind": "school_teacher"},
        format="json",
    )
    assert act.status_code == 201
    detail = client.get(f"/api/v1/afterschool/programmes/{programme.pk}/").json()
    assert [a["name"] for a in detail["activities"]] == ["篮球"]


def test_primary_school_cannot_offer_evening_self_study(as_user, school_a, autumn_2026):
    primary = f.SchoolFactory(district=school_a.district, stage="primary")
    user = f.user_with_role("school", username="primary", school=primary, district=primary.district)
    resp = as_user(user).post(
        "/api/v1/afterschool/programmes/",
        {"school": primary.pk, "term": autumn_2026.pk, "evening_self_study": True},
        format="json",
    )
    assert resp.status_code == 400 and "evening_self_study" in resp.json()["fields"]


def test_institution_provider_needs_an_institution(as_user, school_user, school_a, autumn_2026, institution):
    programme = Programme.objects.create(school=school_a, term=autumn_2026)
    client = as_user(school_user)
    url = "/api/v1/afterschool/activities/"
    base = {"programme": programme.pk, "name": "科学", "kind": "science"}
    resp = client.post(url, {**base, "provider_kind": "institution"}, format="json")
    assert resp.status_code == 400 and "institution" in resp.json()["fields"]
    resp = client.post(url, {**base, "provider_kind": "volunteer", "institution": institution.pk}, format="json")
    assert resp.status_code == 400 and "institution" in resp.json()["fields"]
    assert (
        client.post(
            url, {**base, "provider_kind": "institution", "institution": institution.pk}, format="json"
        ).status_code
        == 201
    )


def test_another_schools_programme_is_404_and_cannot_be_extended(as_user, school_b_user, school_a, autumn_2026):
    programme = Programme.objects.create(school=school_a, term=autumn_2026)
    client = as_user(school_b_user)
    assert client.get(f"/api/v1/afterschool/programmes/{programme.pk}/").status_code == 404
    resp = client.post(
        "/api/v1/afterschool/activities/",
        {"programme": programme.pk, "name": "x", "kind": "pe", "provider_kind": "volunteer"},
        format="json",
    )
    assert resp.status_code == 400 and "programme" in resp.json()["fields"]


def test_district_keeps_its_own_selected_list(as_user, district_user, district2, school_user, district1):
    sports = f.InstitutionFactory(district=district1, category="non_subject", domain="sports")
    subject = f.InstitutionFactory(district=district1, category="subject")
    url = "/api/v1/afterschool/provider-selections/"
    client = as_user(district_user)
    ok = client.post(url, {"district": "110101", "institution": sports.pk, "selected_on": "2026-08-20"}, format="json")
    assert ok.status_code == 201, ok.json()
    other = client.post(
        url, {"district": "110102", "institution": sports.pk, "selected_on": "2026-08-20"}, format="json"
    )
    assert other.status_code == 400 and "district" in other.json()["fields"]
    subj = client.post(
        url, {"district": "110101", "institution": subject.pk, "selected_on": "2026-08-20"}, format="json"
    )
    assert subj.status_code == 400 and "institution" in subj.json()["fields"]
    dup = client.post(url, {"district": "110101", "institution": sports.pk, "selected_on": "2026-08-20"}, format="json")
    assert dup.status_code == 400
    withdrawn = client.patch(f"{url}{ok.json()['id']}/", {"valid_until": "2026-12-31"}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["valid_until"] == "2026-12-31"
    # schools read their district's list but may not change it
    school = as_user(school_user)
    assert school.get(url).json()["count"] == 1
    assert (
        school.post(
            url, {"district": "110101", "institution": sports.pk, "selected_on": "2026-09-01"}, format="json"
        ).status_code
        == 403
    )
    assert client.get(url, {"valid_on": "2027-01-05"}).json()["count"] == 0
    assert client.get(url, {"valid_on": "2026-09-05"}).json()["count"] == 1


@pytest.mark.parametrize("path", ["programmes", "activities", "provider-selections"])
def test_other_lists_take_a_fixed_number_of_queries(
    as_user, district_user, school_a, autumn_2026, path, django_assert_max_num_queries
):
    for _ in range(6):
        school = f.SchoolFactory(district=school_a.district)
        programme = Programme.objects.create(school=school, term=autumn_2026)
        inst = f.InstitutionFactory(district=school_a.district, category="non_subject", domain="arts")
        ProviderSelection.objects.create(district=school_a.district, institution=inst, selected_on=MONDAY)
        for k in range(3):
            Activity.objects.create(
                programme=programme, name=f"活动{k}", kind="arts", provider_kind="institution", institution=inst
            )
    with django_assert_max_num_queries(7):
        resp = as_user(district_user).get(f"/api/v1/afterschool/{path}/")
    assert resp.status_code == 200 and resp.json()["count"] >= 6


def test_filing_sweeps_the_school_and_day_and_refiling_clears_the_finding(
    as_user, school_user, school_a, django_capture_on_commit_callbacks
):
    from compliance.models import Finding

    client = as_user(school_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(URL, payload(school_a, end_time="17:29", compulsory=True), format="json").status_code == 201
    found = Finding.objects.filter(rule_id__startswith="AS-", school=school_a, period_start=MONDAY)
    # filed on the day itself: on time (AS-REPORT-MISSING is not even due yet)
    assert sorted(found.values_list("rule_id", "status")) == [("AS-8-END", "open"), ("AS-9-VOLUNTARY", "open")]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(URL, payload(school_a, end_time="17:30"), format="json").status_code == 201
    assert sorted(found.values_list("rule_id", "status")) == [("AS-8-END", "cleared"), ("AS-9-VOLUNTARY", "cleared")]


def test_a_districts_own_term_replaces_the_citys(as_user, school_user, school_a, autumn_2026):
    from schools.models import Term

    own = Term.objects.create(
        academic_year=2026,
        name="autumn",
        district=school_a.district,
        starts_on=dt.date(2026, 8, 31),
        ends_on=autumn_2026.ends_on,
    )
    url = "/api/v1/afterschool/programmes/"
    client = as_user(school_user)
    city = client.post(url, {"school": school_a.pk, "term": autumn_2026.pk, "extended_care": True}, format="json")
    assert city.status_code == 400 and str(own.pk) in city.json()["fields"]["term"][0]
    assert client.post(url, {"school": school_a.pk, "term": own.pk}, format="json").status_code == 201
