import datetime as dt

import pytest

from institutions.models import ListStatusChange
from institutions.services import institution_create, institution_set_list_status, institution_update
from shuangjian.errors import ServiceError
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_list_status_change_is_recorded_with_who_and_why(institution, district_user):
    change = institution_set_list_status(
        institution=institution,
        status="black",
        effective_on=dt.date(2026, 11, 1),
        reason="无证开展学科培训",
        actor=district_user,
    )
    institution.refresh_from_db()
    assert institution.list_status == "black" and institution.list_status_since == dt.date(2026, 11, 1)
    assert (change.from_status, change.to_status, change.actor, change.reason) == (
        "none",
        "black",
        district_user,
        "无证开展学科培训",
    )


def test_list_status_needs_a_reason(institution, district_user):
    with pytest.raises(ServiceError) as exc:
        institution_set_list_status(
            institution=institution,
            status="white",
            effective_on=dt.date(2026, 11, 1),
            reason="  ",
            actor=district_user,
        )
    assert "reason" in exc.value.fields
    assert not ListStatusChange.objects.exists()


def test_other_district_staff_cannot_list_an_institution(institution, district2_user):
    with pytest.raises(ServiceError):
        institution_set_list_status(
            institution=institution,
            status="black",
            effective_on=dt.date(2026, 11, 1),
            reason="x",
            actor=district2_user,
        )
    institution.refresh_from_db()
    assert institution.list_status == "none"


def test_district_staff_create_only_in_their_district(district_user, district2):
    with pytest.raises(ServiceError) as exc:
        institution_create(
            user=district_user,
            name="某培训",
            credit_code=f.credit_code(900),
            district=district2,
            category="non_subject",
            domain="arts",
            audience=["compulsory"],
            mode="offline",
        )
    assert "district" in exc.value.fields


def test_update_changing_list_status_goes_through_history(institution, city_user):
    institution_update(
        user=city_user, institution=institution, name="新名称", list_status="white", list_status_reason="年检合格"
    )
    institution.refresh_from_db()
    assert institution.name == "新名称" and institution.list_status == "white"
    assert institution.list_changes.get().reason == "年检合格"
