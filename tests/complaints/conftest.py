"""Fixtures of the complaints tests: a fast secret hasher, a clean throttle cache, photos in a temp folder."""

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.throttling import SimpleRateThrottle

from compliance import registry


@pytest.fixture(autouse=True)
def _complaints_env(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rates(monkeypatch):
    """Set the public throttle rates for one test: ``rates(public_submit="3/min")``."""

    def set_rates(**kw):
        merged = {**SimpleRateThrottle.THROTTLE_RATES, **kw}
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", merged)

    return set_rates


@pytest.fixture
def case_rules():
    """Make sure the rule ids an upheld complaint is recorded under are registered, whichever apps are installed."""
    for rid, subject in [
        ("TE-26-PAID", "teacher"),
        ("TI-16-AD", "institution"),
        ("HW-5-G79", "class"),
        ("HW-5-G36", "class"),
        ("TI-12-UNLICENSED", "institution"),
    ]:
        if not registry.is_registered(rid):
            registry.case_rule(rid, article=0, title_zh=rid, title_en=rid, severity="medium", subject=subject)


def png_bytes(size=(8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def png_upload(name="photo.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def yesterday():
    from django.utils import timezone

    return timezone.localdate() - dt.timedelta(days=1)


def submission(**kw):
    """A valid anonymous submission about the given target (keyword arguments override)."""
    data = {
        "target_kind": "other",
        "target_text": "某小区内的无名培训班",
        "district": "110101",
        "category": "unlicensed",
        "description": "小区里有人办补习班，周末上课。",
        "occurred_on": yesterday().isoformat(),
    }
    data.update(kw)
    return data
