"""Factories shared by every app's tests (factory_boy; no fixture files)."""

import factory
from django.contrib.auth import get_user_model

from accounts.models import Profile
from institutions.models import Institution
from institutions.validators import credit_code_check_char
from schools.models import District, School, SchoolClass, SchoolTeacher


def district(code="110101"):
    return District.objects.get(code=code)


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    district = factory.LazyFunction(lambda: district("110101"))
    name = factory.Sequence(lambda n: f"测试第{n}小学")
    code = factory.Sequence(lambda n: f"T{n:09d}")
    stage = "nine_year"


class SchoolClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolClass

    school = factory.SubFactory(SchoolFactory)
    academic_year = 2026
    grade = 4
    name = factory.Sequence(lambda n: f"{n}班")
    headcount = 40


class SchoolTeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolTeacher

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"教师{n}")
    certificate_no = factory.Sequence(lambda n: f"2019110{n:010d}")


def credit_code(n: int) -> str:
    first17 = f"52110101MJ{n:07d}"
    return first17 + credit_code_check_char(first17)


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"测试培训学校{n}")
    credit_code = factory.Sequence(credit_code)
    district = factory.LazyFunction(lambda: district("110101"))
    category = "subject"
    domain = "academic"
    audience = ["compulsory"]
    mode = "offline"
    nonprofit = True
    licence_no = factory.Sequence(lambda n: f"教民1101010{n:05d}号")
    licence_status = "valid"


TEST_PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(TEST_PASSWORD)


def user_with_role(role, *, username=None, district=None, school=None, institution=None):
    user = UserFactory(username=username or f"{role}-{factory.random.randgen.randint(0, 10**9)}")
    Profile.objects.create(user=user, role=role, district=district, school=school, institution=institution)
    return user


def api_token(user) -> str:
    """A new API token for ``user`` (the key; only its digest is stored), as ``POST /api/v1/auth/token/`` issues."""
    from accounts.services import api_token_create

    return api_token_create(user=user)[1]
