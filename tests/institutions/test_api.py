import datetime as dt

import pytest

from institutions.models import Course, Institution, ListStatusChange, Session
from tests import factories as f

from .factories import (
    CourseFactory,
    DisclosureFactory,
    ForeignStaffFactory,
    PrepaymentFactory,
    SessionFactory,
    SiteFactory,
    TrainerFactory,
    course_with_trainers,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/institutions/"


@pytest.fixture
def other_institution(district1):
    return f.InstitutionFactory(district=district1, name="另一家机构")


def new_institution_payload(**over):
    data = {
        "name": "北京新开培训学校",
        "credit_code": f.credit_code(777),
        "district": "110101",
        "category": "non_subject",
        "domain": "arts",
        "audience": ["compulsory"],
        "mode": "offline",
        "nonprofit": False,
        "licence_status": "valid",
        "approved_on": "2023-04-01",
    }
    data.update(over)
    return data


def test_district2_user_gets_404_on_district1_institution(as_user, district2_user, institution):
    client = as_user(district2_user)
    assert client.get(f"{API}{institution.pk}/").status_code == 404
    assert client.patch(f"{API}{institution.pk}/", {"name": "x"}, format="json").status_code == 404
    assert client.get(API).json()["count"] == 0


def test_district2_user_gets_404_on_district1_courses_and_sessions(as_user, district2_user, institution):
    session = SessionFactory(course=CourseFactory(institution=institution))
    client = as_user(district2_user)
    assert client.get(f"{API}courses/{session.course_id}/").status_code == 404
    assert client.get(f"{API}sessions/{session.pk}/").status_code == 404
    assert client.get(f"{API}sites/{session.site_id}/").status_code == 404


@pytest.mark.parametrize(
    ("resource", "factory", "patch_status"),
    [
        ("courses", CourseFactory, 404),
        ("trainers", TrainerFactory, 404),
        ("foreign-staff", ForeignStaffFactory, 404),
        ("disclosures", DisclosureFactory, 404),
        ("sites", SiteFactory, 403),
    ],  # approved sites are the bureau's record: no institution writes at all
)
def test_institution_user_cannot_read_or_change_another_institutions_data(
    as_user, institution_user, institution, other_institution, resource, factory, patch_status
):
    mine, theirs = factory(institution=institution), factory(institution=other_institution)
    client = as_user(institution_user)
    assert client.get(f"{API}{resource}/{mine.pk}/").status_code == 200
    assert client.get(f"{API}{resource}/{theirs.pk}/").status_code == 404
    assert client.patch(f"{API}{resource}/{theirs.pk}/", {"name": "x"}, format="json").status_code == patch_status
    listed = [row["id"] for row in client.get(f"{API}{resource}/").json()["results"]]
    assert listed == [mine.pk]


def test_institution_user_cannot_change_another_institutions_session(
    as_user, institution_user, institution, other_institution
):
    theirs = SessionFactory(course=CourseFactory(institution=other_institution))
    client = as_user(institution_user)
    resp = client.patch(f"{API}sessions/{theirs.pk}/", {"mode": "online", "site": None}, format="json")
    assert resp.status_code == 404
    theirs.refresh_from_db()
    assert theirs.mode == "offline"


def test_institution_user_cannot_create_a_course_for_another_institution(as_user, institution_user, other_institution):
    resp = as_user(institution_user).post(
        f"{API}courses/",
        {
            "institution": other_institution.pk,
            "name": "x",
            "subject": "arts",
            "content_grade": 3,
            "min_grade": 3,
            "max_grade": 3,
            "mode": "offline",
            "class_size": 10,
            "lesson_minutes": 45,
            "price_per_lesson": "50.00",
        },
        format="json",
    )
    assert resp.status_code == 400 and "institution" in resp.json()["fields"]
    assert not Course.objects.exists()


def test_institution_user_keeps_own_courses_and_sessions(as_user, institution_user, institution):
    site = SiteFactory(institution=institution)
    trainer = TrainerFactory(institution=institution)
    client = as_user(institution_user)
    resp = client.post(
        f"{API}courses/",
        {
            "institution": institution.pk,
            "name": "少儿美术",
            "subject": "fine_arts",
            "content_grade": 3,
            "min_grade": 2,
            "max_grade": 4,
            "mode": "offline",
            "class_size": 12,
            "lesson_minutes": 60,
            "price_per_lesson": "70.00",
            "trainers": [trainer.pk],
        },
        format="json",
    )
    assert resp.status_code == 201, resp.json()
    course_id = resp.json()["id"]
    resp = client.post(
        f"{API}sessions/",
        {
            "course": course_id,
            "site": site.pk,
            "starts_at": "2026-11-14T09:00:00+08:00",
            "ends_at": "2026-11-14T10:00:00+08:00",
            "mode": "offline",
            "class_group": "周六A班",
        },
        format="json",
    )
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["starts_at"] == "2026-11-14T09:00:00+08:00"  # ISO 8601, Asia/Shanghai
    assert body["class_group"] == "周六A班"
    assert Session.objects.get().starts_at == dt.datetime(2026, 11, 14, 1, 0, tzinfo=dt.UTC)
    assert client.get(f"{API}sessions/", {"class_group": "周六A班"}).json()["count"] == 1
    assert client.get(f"{API}sessions/", {"class_group": "周六B班"}).json()["count"] == 0


def test_institution_user_may_not_change_licence_or_list_status(as_user, institution_user, institution):
    resp = as_user(institution_user).patch(
        f"{API}{institution.pk}/", {"licence_status": "valid", "list_status": "white"}, format="json"
    )
    assert resp.status_code == 403
    assert as_user(institution_user).get(f"{API}{institution.pk}/").status_code == 200


def test_session_validation(as_user, institution_user, institution, other_institution):
    course = CourseFactory(institution=institution)
    foreign_site = SiteFactory(institution=other_institution)
    client = as_user(institution_user)
    resp = client.post(
        f"{API}sessions/",
        {
            "course": course.pk,
            "site": None,
            "starts_at": "2026-11-14T10:00:00+08:00",
            "ends_at": "2026-11-14T09:00:00+08:00",
            "mode": "offline",
        },
        format="json",
    )
    assert resp.status_code == 400
    assert set(resp.json()["fields"]) == {"ends_at", "site"}
    resp = client.post(
        f"{API}sessions/",
        {
            "course": course.pk,
            "site": foreign_site.pk,
            "starts_at": "2026-11-14T09:00:00+08:00",
            "ends_at": "2026-11-14T10:00:00+08:00",
            "mode": "offline",
        },
        format="json",
    )
    assert resp.status_code == 400 and "site" in resp.json()["fields"]


def test_district_user_creates_in_own_district_only(as_user, district_user):
    client = as_user(district_user)
    resp = client.post(API, new_institution_payload(), format="json")
    assert resp.status_code == 201, resp.json()
    assert resp.json()["district"] == "110101"
    resp = client.post(API, new_institution_payload(credit_code=f.credit_code(778), district="110102"), format="json")
    assert resp.status_code == 400 and "district" in resp.json()["fields"]


def test_bad_credit_code_is_a_field_error(as_user, city_user):
    code = f.credit_code(779)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    resp = as_user(city_user).post(API, new_institution_payload(credit_code=wrong), format="json")
    assert resp.status_code == 400
    assert "credit_code" in resp.json()["fields"]


def test_list_status_patch_needs_a_reason_and_records_history(as_user, district_user, institution):
    client = as_user(district_user)
    resp = client.patch(f"{API}{institution.pk}/", {"list_status": "black"}, format="json")
    assert resp.status_code == 400 and "reason" in resp.json()["fields"]
    resp = client.patch(
        f"{API}{institution.pk}/",
        {
            "list_status": "black",
            "list_status_reason": "违规开展学科培训",
            "list_status_effective_on": "2026-11-02",
        },
        format="json",
    )
    assert resp.status_code == 200, resp.json()
    assert resp.json()["list_status"] == "black" and resp.json()["list_status_since"] == "2026-11-02"
    change = ListStatusChange.objects.get()
    assert change.actor == district_user and change.reason == "违规开展学科培训"
    history = client.get(f"{API}list-changes/?institution={institution.pk}").json()["results"]
    assert [h["to_status"] for h in history] == ["black"]


def test_filters(as_user, city_user, district1, district2):
    f.InstitutionFactory(district=district1, category="subject", list_status="white")
    f.InstitutionFactory(district=district2, category="non_subject", domain="sports")
    client = as_user(city_user)
    assert client.get(f"{API}?district=110102").json()["count"] == 1
    assert client.get(f"{API}?category=subject").json()["count"] == 1
    assert client.get(f"{API}?list_status=white").json()["count"] == 1


def test_prepayments_are_staff_records(as_user, institution_user, district_user, institution):
    payment = PrepaymentFactory(course=CourseFactory(institution=institution))
    assert as_user(institution_user).get(f"{API}prepayments/{payment.pk}/").status_code == 200
    assert (
        as_user(institution_user)
        .patch(f"{API}prepayments/{payment.pk}/", {"supervised": False}, format="json")
        .status_code
        == 403
    )
    assert (
        as_user(district_user)
        .patch(f"{API}prepayments/{payment.pk}/", {"supervised": False}, format="json")
        .status_code
        == 200
    )


@pytest.mark.parametrize(
    ("resource", "make"),
    [
        ("", lambda inst: f.InstitutionFactory(district=inst.district)),
        ("sites/", lambda inst: SiteFactory(institution=inst)),
        ("trainers/", lambda inst: TrainerFactory(institution=inst)),
        ("foreign-staff/", lambda inst: ForeignStaffFactory(institution=inst)),
        ("courses/", lambda inst: course_with_trainers(inst, 2)),
        ("sessions/", lambda inst: SessionFactory(course=CourseFactory(institution=inst))),
        ("prepayments/", lambda inst: PrepaymentFactory(course=CourseFactory(institution=inst))),
        (
            "disclosures/",
            lambda inst: DisclosureFactory(
                institution=inst,
                item=["licence", "fee_standard", "refund_standard", "fee_account"][Institution.objects.count() % 4],
            ),
        ),
        (
            "list-changes/",
            lambda inst: ListStatusChange.objects.create(
                institution=inst, from_status="none", to_status="white", effective_on=dt.date(2026, 1, 1), reason="r"
            ),
        ),
    ],
)
def test_list_query_count_does_not_grow(
    as_user, district_user, district1, resource, make, django_assert_max_num_queries
):
    for _ in range(4):
        make(f.InstitutionFactory(district=district1))
    client = as_user(district_user)
    with django_assert_max_num_queries(6):
        resp = client.get(f"{API}{resource}")
    assert resp.status_code == 200 and resp.json()["count"] >= 4
