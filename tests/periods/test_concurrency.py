"""Two corrections of the same class-day approved at the same moment, on two database connections: exactly one
version is applied, the other approval is refused (409) and the day holds the first one's rows."""

import threading

import pytest
from django.db import close_old_connections, connection

from homework.models import HomeworkItem
from periods import services
from periods.models import Correction, DayVersion
from shuangjian.errors import ConflictError
from tests import clock

from .conftest import AFTER_CLOSE, SCHOOL_DAY, item


@pytest.mark.django_db(transaction=True)
def test_two_approvals_of_the_same_class_day_at_once_apply_exactly_one(filed_day, school_user, district_user, g4):
    with clock.at(AFTER_CLOSE):
        ids = [
            services.correction_request(
                user=school_user,
                date=SCHOOL_DAY,
                class_ids=[g4.pk],
                reason=f"更正{n}",
                items=[item(g4, minutes=minutes)],
            ).pk
            for n, minutes in ((1, 11), (2, 22))
        ]
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def approve(pk):
        close_old_connections()  # this thread's own connection
        try:
            correction = Correction.objects.get(pk=pk)
            barrier.wait(timeout=10)
            services.correction_approve(user=district_user, correction=correction)
            outcomes[pk] = "approved"
        except ConflictError:
            outcomes[pk] = "conflict"
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(pk,)) for pk in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["approved", "conflict"]
    winner = next(pk for pk, outcome in outcomes.items() if outcome == "approved")
    assert list(DayVersion.objects.filter(school_class=g4).values_list("version", "correction_id")) == [(1, winner)]
    minutes = 11 if winner == ids[0] else 22
    assert list(HomeworkItem.objects.filter(school_class=g4).values_list("minutes", flat=True)) == [minutes]
    assert sorted(Correction.objects.values_list("status", flat=True)) == ["approved", "pending"]
