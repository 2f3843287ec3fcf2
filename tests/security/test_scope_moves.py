"""Moving a school to another district, a class to another school, an institution to another district.

These foreign keys decide who sees a row, so a change of one is a move: only a caller who administers both the old
and the new owner may make it (the permission matrix, ``test_permission_matrix.py::test_patching_a_scope_defining_
field``, asks every role), it is recorded in the audit trail, and what stores the owner itself goes along: a class's
homework items, filing days and surveys and its dashboard class-days; a school's dashboard rows, its findings still
being dealt with and its staff accounts' district; an institution's findings still being dealt with. Closed findings
stay with the district that closed them, and a class's findings with the school they were raised against.
"""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from compliance.models import Finding
from dashboards.models import ClassDayStat, SchoolDayStat
from homework.models import CompletionSurvey, HomeworkDay, HomeworkItem
from tests import factories as f

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 10)  # a Tuesday of the autumn term


def _at(hour):
    return timezone.make_aware(dt.datetime.combine(DAY, dt.time(hour, 0)))


def _filed_class(school, *, name="四年级1班"):
    """A class with one filed homework day: an item, the day's record, a survey and the dashboard's class-day."""
    school_class = f.SchoolClassFactory(school=school, grade=4, name=name)
    HomeworkItem.objects.create(
        school_class=school_class,
        school=school,
        date=DAY,
        subject="maths",
        kind="written",
        minutes=30,
        content="口算练习第12页",
        filed_at=_at(18),
    )
    HomeworkDay.objects.create(
        school_class=school_class, school=school, date=DAY, first_filed_at=_at(18), last_filed_at=_at(18)
    )
    CompletionSurvey.objects.create(
        school_class=school_class,
        school=school,
        date=DAY,
        subject="maths",
        kind="written",
        measured_minutes=25,
        sample_size=10,
        recorded_at=_at(21),
    )
    ClassDayStat.objects.create(
        district=school.district,
        school=school,
        school_class=school_class,
        stage=school.stage,
        grade=4,
        grade_band="G36",
        date=DAY,
        week=dt.date(2026, 11, 9),
        filed=1,
        on_time=1,
        written_minutes=30,
        within_limit=1,
    )
    return school_class


def _finding(school, status, **extra):
    now = timezone.now()
    return Finding.objects.create(
        rule_id="HW-5-G36",
        district=school.district,
        school=school,
        period_start=DAY,
        status=status,
        fingerprint=f"fp-{school.pk}-{status}-{len(extra)}",
        first_seen=now,
        last_seen=now,
        status_changed_at=now,
        **extra,
    )


def _moves(obj):
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk), detail__has_key="move")


@pytest.fixture
def school_a2(district1):
    return f.SchoolFactory(district=district1, name="东城区测试小学A2")


@pytest.fixture
def school_a2_user(school_a2):
    return f.user_with_role("school", username="school-a2", school=school_a2, district=school_a2.district)


# --- a class and its homework ---------------------------------------------------------------------------------


def test_a_moved_class_takes_its_homework_to_the_new_school(
    as_user, client, district_user, school_user, school_a2_user, school_a, school_a2
):
    """The defect: items store the class's school, so after a move the old school still listed them and the new
    one did not. Now both schools' API lists, the publication page and the school dashboards follow the class."""
    moved = _filed_class(school_a)
    staying = _filed_class(school_a, name="四年级2班")

    response = as_user(district_user).patch(f"/api/v1/classes/{moved.pk}/", {"school": school_a2.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["school"] == school_a2.pk

    old, new = as_user(school_user), as_user(school_a2_user)
    for path in ("/api/v1/homework/", "/api/v1/homework/days/", "/api/v1/homework/surveys/"):
        old_rows = {row["school_class"] for row in old.get(path).json()["results"]}
        new_rows = {row["school_class"] for row in new.get(path).json()["results"]}
        assert old_rows == {staying.pk}, path
        assert new_rows == {moved.pk}, path
    assert set(HomeworkItem.objects.filter(school_class=moved).values_list("school_id", flat=True)) == {school_a2.pk}

    page = f"/homework/classes/{moved.pk}/{DAY.isoformat()}/"
    client.force_login(school_user)
    assert client.get(page).status_code == 404
    client.force_login(school_a2_user)
    response = client.get(page)
    assert response.status_code == 200 and "口算练习第12页" in response.content.decode()

    query = f"?date_from={DAY.isoformat()}&date_to={DAY.isoformat()}"
    assert old.get(f"/api/v1/dashboards/schools/{school_a.pk}/{query}").json()["homework"]["filing"]["filed"] == 1
    assert new.get(f"/api/v1/dashboards/schools/{school_a2.pk}/{query}").json()["homework"]["filing"]["filed"] == 1
    assert ClassDayStat.objects.get(school_class=moved).school_id == school_a2.pk


def test_a_class_move_is_audited_with_both_schools_and_the_rows_it_took(as_user, district_user, school_a, school_a2):
    moved = _filed_class(school_a)
    as_user(district_user).patch(f"/api/v1/classes/{moved.pk}/", {"school": school_a2.pk}, format="json")
    event = _moves(moved).get()
    assert event.actor == district_user
    assert event.detail["move"] | {} == {
        "field": "school",
        "from": school_a.pk,
        "to": school_a2.pk,
        "from_name": school_a.name,
        "to_name": school_a2.name,
        "from_district": "110101",
        "to_district": "110101",
        "items": 1,
        "days": 1,
        "surveys": 1,
    }


def test_a_class_findings_stay_with_the_school_they_were_raised_against(as_user, district_user, school_a, school_a2):
    moved = _filed_class(school_a)
    finding = _finding(school_a, "open", school_class=moved)
    as_user(district_user).patch(f"/api/v1/classes/{moved.pk}/", {"school": school_a2.pk}, format="json")
    finding.refresh_from_db()
    assert (finding.school_id, finding.status) == (school_a.pk, "open")


def test_a_class_cannot_move_to_a_school_without_its_grade(as_user, district_user, school_a, district1):
    junior = f.SchoolFactory(district=district1, stage="junior")
    moved = _filed_class(school_a)
    response = as_user(district_user).patch(f"/api/v1/classes/{moved.pk}/", {"school": junior.pk}, format="json")
    assert response.status_code == 400
    assert "school" in response.json()["fields"]
    assert HomeworkItem.objects.get(school_class=moved).school_id == school_a.pk
    assert not _moves(moved).exists()


def test_a_class_cannot_move_onto_a_class_of_the_same_name(as_user, district_user, school_a, school_a2):
    moved = _filed_class(school_a)
    f.SchoolClassFactory(school=school_a2, grade=4, name=moved.name, academic_year=moved.academic_year)
    response = as_user(district_user).patch(f"/api/v1/classes/{moved.pk}/", {"school": school_a2.pk}, format="json")
    assert response.status_code in (400, 409)
    moved.refresh_from_db()
    assert moved.school_id == school_a.pk
    assert HomeworkItem.objects.get(school_class=moved).school_id == school_a.pk


# --- a school ------------------------------------------------------------------------------------------------


def test_district_staff_cannot_move_their_school_to_another_district(as_user, district_user, school_a):
    response = as_user(district_user).patch(f"/api/v1/schools/{school_a.pk}/", {"district": "110102"}, format="json")
    assert response.status_code == 400
    assert "district" in response.json()["fields"]
    school_a.refresh_from_db()
    assert school_a.district.code == "110101"
    assert not _moves(school_a).exists()


def test_city_staff_move_a_school_with_its_open_findings_and_dashboard_rows(
    as_user, city_user, district_user, district2_user, school_user, school_a, district2
):
    school_class = _filed_class(school_a)
    SchoolDayStat.objects.create(
        district=school_a.district,
        school=school_a,
        stage=school_a.stage,
        date=DAY,
        week=dt.date(2026, 11, 9),
        reported=1,
    )
    open_finding = _finding(school_a, "rectifying")
    closed_finding = _finding(school_a, "rectified", school_class=school_class)

    response = as_user(city_user).patch(f"/api/v1/schools/{school_a.pk}/", {"district": "110102"}, format="json")
    assert response.status_code == 200, response.content

    assert school_a.pk not in [r["id"] for r in as_user(district_user).get("/api/v1/schools/").json()["results"]]
    assert school_a.pk in [r["id"] for r in as_user(district2_user).get("/api/v1/schools/").json()["results"]]
    assert as_user(district2_user).get(f"/api/v1/classes/{school_class.pk}/").status_code == 200
    assert as_user(district_user).get(f"/api/v1/classes/{school_class.pk}/").status_code == 404
    open_finding.refresh_from_db()
    closed_finding.refresh_from_db()
    assert open_finding.district_id == district2.pk  # the new district follows it up
    assert closed_finding.district_id != district2.pk  # the old district's record
    assert set(ClassDayStat.objects.filter(school=school_a).values_list("district_id", flat=True)) == {district2.pk}
    assert set(SchoolDayStat.objects.filter(school=school_a).values_list("district_id", flat=True)) == {district2.pk}
    school_user.profile.refresh_from_db()
    assert school_user.profile.district_id == district2.pk
    event = _moves(school_a).get()
    assert (event.actor, event.district_id) == (city_user, district2.pk)
    assert event.detail["move"] == {
        "field": "district",
        "from": "110101",
        "to": "110102",
        "active_findings": 1,
        "staff_accounts": 1,
    }


# --- an institution ------------------------------------------------------------------------------------------


def test_city_staff_move_an_institution_with_its_open_findings(as_user, city_user, institution, district2):
    now = timezone.now()
    common = {
        "rule_id": "TI-15-PREPAY",
        "district": institution.district,
        "institution": institution,
        "first_seen": now,
        "last_seen": now,
        "status_changed_at": now,
    }
    active = Finding.objects.create(fingerprint="inst-open", status="open", **common)
    closed = Finding.objects.create(fingerprint="inst-dismissed", status="dismissed", **common)
    response = as_user(city_user).patch(
        f"/api/v1/institutions/{institution.pk}/", {"district": "110102"}, format="json"
    )
    assert response.status_code == 200, response.content
    active.refresh_from_db()
    closed.refresh_from_db()
    assert active.district_id == district2.pk
    assert closed.district_id == institution.district_id
    assert _moves(institution).get().detail["move"] == {
        "field": "district",
        "from": "110101",
        "to": "110102",
        "active_findings": 1,
    }


def test_the_institution_edit_page_moves_the_district_through_the_same_service(
    client, city_user, institution, district2
):
    now = timezone.now()
    active = Finding.objects.create(
        rule_id="TI-15-PREPAY",
        district=institution.district,
        institution=institution,
        fingerprint="page-open",
        status="open",
        first_seen=now,
        last_seen=now,
        status_changed_at=now,
    )
    client.force_login(city_user)
    data = {
        "name": institution.name,
        "credit_code": institution.credit_code,
        "district": district2.pk,
        "category": institution.category,
        "domain": institution.domain,
        "audience": institution.audience,
        "mode": institution.mode,
        "licence_no": institution.licence_no,
        "licence_status": institution.licence_status,
        "approved_on": "2024-03-01",
    }
    response = client.post(f"/institutions/{institution.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    active.refresh_from_db()
    assert active.district_id == district2.pk
    assert _moves(institution).exists()


# --- the Django admin ------------------------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return f.UserFactory(username="root", is_staff=True, is_superuser=True)


def test_the_admin_moves_a_class_with_its_homework_and_records_it(client, superuser, school_a, school_a2):
    moved = _filed_class(school_a)
    client.force_login(superuser)
    response = client.post(
        f"/admin/schools/schoolclass/{moved.pk}/change/",
        {
            "school": school_a2.pk,
            "academic_year": moved.academic_year,
            "grade": moved.grade,
            "name": moved.name,
            "headcount": moved.headcount,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(HomeworkItem.objects.filter(school_class=moved).values_list("school_id", flat=True)) == {school_a2.pk}
    assert _moves(moved).get().actor == superuser


def test_the_admin_moves_a_school_with_its_open_findings_and_records_it(client, superuser, school_a, district2):
    finding = _finding(school_a, "open")
    client.force_login(superuser)
    response = client.post(
        f"/admin/schools/school/{school_a.pk}/change/",
        {"district": district2.pk, "name": school_a.name, "code": school_a.code, "stage": school_a.stage},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    finding.refresh_from_db()
    assert finding.district_id == district2.pk
    assert _moves(school_a).get().detail["move"]["to"] == "110102"


def test_an_admin_user_who_does_not_administer_both_districts_is_refused_on_the_form(
    client, district_user, school_a, district2
):
    from django.contrib.auth.models import Permission

    district_user.is_staff = True
    district_user.save()
    district_user.user_permissions.add(*Permission.objects.filter(codename__in=["change_school", "view_school"]))
    client.force_login(district_user)
    response = client.post(
        f"/admin/schools/school/{school_a.pk}/change/",
        {"district": district2.pk, "name": school_a.name, "code": school_a.code, "stage": school_a.stage},
    )
    assert response.status_code == 200  # the form again, with the error on the district
    assert "只有市教委工作人员可以把学校划转到其他区" in response.content.decode()
    school_a.refresh_from_db()
    assert school_a.district.code == "110101"
