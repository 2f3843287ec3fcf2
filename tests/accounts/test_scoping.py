import pytest

from accounts.scoping import restrict
from schools.models import District, School, SchoolClass
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_city_sees_everything(city_user, school_a, school_b):
    assert set(restrict(School.objects.all(), city_user)) == {school_a, school_b}


def test_district_user_sees_own_district_only(district_user, school_a, school_b):
    assert list(restrict(School.objects.all(), district_user)) == [school_a]
    assert list(restrict(District.objects.all(), district_user).values_list("code", flat=True)) == ["110101"]


def test_school_user_sees_own_school_only(school_user, school_a, school_b):
    f.SchoolClassFactory(school=school_a)
    f.SchoolClassFactory(school=school_b)
    assert list(restrict(School.objects.all(), school_user)) == [school_a]
    assert {c.school_id for c in restrict(SchoolClass.objects.all(), school_user)} == {school_a.pk}


def test_institution_user_sees_no_school(institution_user, school_a):
    assert not restrict(School.objects.all(), institution_user).exists()


def test_user_without_role_and_anonymous_see_nothing(school_a):
    from django.contrib.auth.models import AnonymousUser

    plain = f.UserFactory(username="norole")
    assert not restrict(School.objects.all(), plain).exists()
    assert not restrict(School.objects.all(), AnonymousUser()).exists()


def test_profile_scope_must_match_role(district1):
    from django.db import IntegrityError

    from accounts.models import Profile

    user = f.UserFactory(username="bad")
    with pytest.raises(IntegrityError):
        Profile.objects.create(user=user, role="district")  # a district user without a district
