import pytest
from django.core.management import call_command

from schools.models import School, SchoolClass, SchoolTeacher

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        list(School.objects.order_by("code").values_list("district__code", "code", "name", "stage", "boarding")),
        list(
            SchoolClass.objects.order_by("school__code", "grade", "name").values_list(
                "school__code", "grade", "name", "headcount"
            )
        ),
        list(
            SchoolTeacher.objects.order_by("school__code", "name", "certificate_no").values_list(
                "school__code", "name", "certificate_no", "status", "left_on"
            )
        ),
    )


def _wipe():
    SchoolTeacher.objects.all().delete()
    SchoolClass.objects.all().delete()
    School.objects.all().delete()


def test_same_seed_gives_the_same_schools():
    call_command("seed_demo", scale="small", seed=7, only=["schools"], stdout=None)
    first = _snapshot()
    _wipe()
    call_command("seed_demo", scale="small", seed=7, only=["schools"])
    assert _snapshot() == first
    assert len(first[0]) == 6 and len(first[1]) > 30


def test_another_seed_gives_other_data():
    call_command("seed_demo", scale="small", seed=7, only=["schools"])
    first = _snapshot()
    _wipe()
    call_command("seed_demo", scale="small", seed=8, only=["schools"])
    assert _snapshot() != first


def test_if_empty_keeps_existing_data(capsys):
    call_command("seed_demo", scale="small", seed=1, only=["schools"])
    count = School.objects.count()
    call_command("seed_demo", scale="small", seed=1, if_empty=True)
    assert School.objects.count() == count


@pytest.mark.django_db
def test_seed_demo_on_a_database_with_data_refuses_in_one_line():
    """A newcomer running it twice gets a sentence, not an IntegrityError traceback; --if-empty does nothing."""
    import io

    from django.core.management import CommandError, call_command

    from schools.models import School

    call_command("seed_demo", scale="small", seed=1, only=["schools"], stdout=io.StringIO())
    schools = School.objects.count()
    with pytest.raises(CommandError, match="already has data"):
        call_command("seed_demo", scale="small", seed=1, stdout=io.StringIO())
    with pytest.raises(CommandError, match="nothing was added") as raised:
        call_command("seed_demo", scale="small", seed=1, only=["schools"], stdout=io.StringIO())
    assert "\n" not in str(raised.value)
    out = io.StringIO()
    call_command("seed_demo", scale="small", seed=1, if_empty=True, stdout=out)
    assert "nothing to do" in out.getvalue() and School.objects.count() == schools


@pytest.mark.django_db
def test_seeded_institution_names_read_like_names():
    import io
    import re

    from django.core.management import call_command

    from institutions.models import Institution

    call_command("seed_demo", scale="small", seed=1, only=["schools", "institutions"], stdout=io.StringIO())
    names = list(Institution.objects.values_list("district_id", "name"))
    assert names and not [n for _d, n in names if re.search(r"（\d+）", n)]
    assert len(set(names)) == len(names)
