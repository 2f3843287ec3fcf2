"""Terms and vacations are dated periods: an end before the start is refused at the field and by the database."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from schools.models import DatedPeriod, Term, Vacation

pytestmark = pytest.mark.django_db

START, BEFORE = dt.date(2030, 9, 1), dt.date(2030, 8, 31)


@pytest.mark.parametrize(("model", "extra"), [(Term, {"name": "autumn"}), (Vacation, {"kind": "winter"})])
def test_an_end_before_the_start_is_an_error_at_the_end_date(model, extra):
    period = model(academic_year=2030, starts_on=START, ends_on=BEFORE, **extra)
    with pytest.raises(ValidationError) as exc:
        period.full_clean()
    assert exc.value.message_dict["ends_on"] == ["结束日期不能早于开始日期"]
    with pytest.raises(IntegrityError), transaction.atomic():
        period.save()
    model(academic_year=2030, starts_on=START, ends_on=START, **extra).full_clean()  # one day is a period


def test_both_share_the_base_and_keep_their_own_constraint_names():
    assert issubclass(Term, DatedPeriod) and issubclass(Vacation, DatedPeriod)
    names = {c.name for model in (Term, Vacation) for c in model._meta.constraints}
    assert {"term_ends_after_start", "vacation_ends_after_start"} <= names
