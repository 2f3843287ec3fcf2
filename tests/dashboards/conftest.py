import datetime as dt

import pytest
from django.core.cache import cache

from tests import factories as f

from . import factories as df

MON = dt.date(2026, 11, 9)
DAYS = [MON + dt.timedelta(days=i) for i in range(5)]  # Mon 9 – Fri 13 November 2026, all school days


@pytest.fixture
def filings(school_a, school_b):
    """Three classes of school A (grades 1, 4, 8) and one of school B, a school week of filings.

    School A, grade 4 (limit 60): Mon 50 min on time, Tue 70 min filed late (over), Wed a survey lowers 80 to 55,
    Thu not filed, Fri "no homework". Grade 1: Mon written at home 10 min (over: G12 allows none), Tue written in
    school only (within), other days not filed. Grade 8: every day 90 min on time (within, the limit is inclusive).
    After-school: school A reports Mon–Thu (Wed late, Tue ends 17:00), school B reports Mon only.
    """
    g1 = f.SchoolClassFactory(school=school_a, grade=1, name="一年级1班")
    g4 = f.SchoolClassFactory(school=school_a, grade=4, name="四年级1班")
    g8 = f.SchoolClassFactory(school=school_a, grade=8, name="八年级1班")
    b4 = f.SchoolClassFactory(school=school_b, grade=4, name="四年级1班")
    mon, tue, wed, thu, fri = DAYS
    df.homework_day(
        g4, mon, items=[("maths", "written", 30, True), ("chinese", "written", 20, True), ("english", "oral", 15, True)]
    )
    df.homework_day(
        g4,
        tue,
        filed_at=df.at(tue + dt.timedelta(days=2), 9),
        items=[("maths", "written", 40, True), ("chinese", "written", 30, True)],
    )
    df.homework_day(g4, wed, items=[("maths", "written", 50, True), ("chinese", "written", 30, True)])
    df.survey(g4, wed, "maths", "written", 25)
    df.homework_day(g4, fri, no_homework=True)
    df.homework_day(g1, mon, items=[("chinese", "written", 10, True)])
    df.homework_day(g1, tue, items=[("maths", "written", 15, False), ("chinese", "reading", 20, True)])
    for day in DAYS:
        df.homework_day(g8, day, items=[("maths", "written", 45, True), ("physics", "written", 45, True)])
    df.homework_day(b4, mon, items=[("maths", "written", 100, True)])
    df.report(school_a, mon)
    df.report(school_a, tue, end=dt.time(17, 0), pe=45, stage1=10)
    df.report(school_a, wed, filed_at=df.at(wed + dt.timedelta(days=3), 9), enrolled=200, participants=100)
    df.report(school_a, thu, end=dt.time(18, 0))
    df.report(school_b, mon)
    return {"g1": g1, "g4": g4, "g8": g8, "b4": b4}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Computed dashboards are cached across requests: every test starts with none."""
    cache.clear()
    yield
    cache.clear()
