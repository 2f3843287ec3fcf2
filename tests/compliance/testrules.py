"""Rules that exist only in the tests: a class over a dated headcount limit, and a slow variant.

``register()`` adds them to the registry and ``unregister()`` removes them, so
other apps' tests never see them; the worker started by the worker tests
registers them at import (see ``worker_app``).
"""

import datetime as dt

from compliance import registry
from compliance.registry import Rule, Violation

HEADCOUNT = "TEST-HEADCOUNT"
SLOW = "TEST-SLOW"


def _days(ctx):
    return [ctx.date_from + dt.timedelta(days=i) for i in range((ctx.date_to - ctx.date_from).days + 1)]


def headcount_over_limit(ctx):
    """A class whose headcount is over ``test_max_headcount`` violates on every day of the range."""
    from schools.models import SchoolClass

    limit = ctx.params["test_max_headcount"]
    classes = ctx.limit_schools(
        ctx.in_districts(SchoolClass.objects.filter(headcount__gt=limit), "school__district_id"), "school_id"
    ).values_list("id", "school_id", "headcount")
    return [
        Violation(
            evidence={"headcount": n, "limit": limit},
            date=day,
            school_id=school_id,
            school_class_id=class_id,
            summary=f"班额{n}人，超过{limit}人",
        )
        for class_id, school_id, n in classes
        for day in _days(ctx)
    ]


def slow_headcount(ctx):
    """The same check after sleeping ``test_sleep_seconds`` in the database (to kill a worker mid-part)."""
    from django.db import connection

    seconds = float(ctx.params["test_sleep_seconds"])
    with connection.cursor() as cur:
        cur.execute("SELECT pg_sleep(%s)", [seconds])
    return headcount_over_limit(ctx)


RULES = [
    Rule(
        id=HEADCOUNT,
        article=99,
        title_zh="测试：班额超标",
        title_en="Test: class over headcount limit",
        severity="low",
        subject="class",
        params=("test_max_headcount",),
        hint_zh="减少班额",
        hint_en="Reduce it",
        func=headcount_over_limit,
    ),
    Rule(
        id=SLOW,
        article=99,
        title_zh="测试：慢检查",
        title_en="Test: slow check",
        severity="low",
        subject="class",
        params=("test_max_headcount", "test_sleep_seconds"),
        func=slow_headcount,
    ),
]


def register():
    for r in RULES:
        registry.register(r)


def unregister():
    for r in RULES:
        registry._registry.pop(r.id, None)
