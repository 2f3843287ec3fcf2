"""Helpers shared by the complaints tests: submit through the service, optionally at a given moment."""

import datetime as dt
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.utils import timezone

from complaints.services import complaint_submit

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@contextmanager
def frozen(monkeypatch, when):
    """``timezone.now()`` is ``when`` inside the block."""
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: when)
        yield m


def submit(*, when=None, monkeypatch=None, **kw):
    """Submit a complaint through the service (at ``when`` if given, which needs ``monkeypatch``)."""
    if when is None:
        return _submit(**kw)
    with frozen(monkeypatch, when):
        return _submit(**kw)


def _submit(**kw):
    kw.setdefault("target_kind", "other")
    kw.setdefault("target_text", "某培训班")
    kw.setdefault("category", "other")
    kw.setdefault("description", "问题描述")
    kw.setdefault("occurred_on", timezone.localdate() - dt.timedelta(days=1))
    if kw["target_kind"] == "other" and "district" not in kw:
        from schools.models import District

        kw["district"] = District.objects.get(code="110101")
    return complaint_submit(**kw)
