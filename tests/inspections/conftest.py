"""Fixtures of the inspections tests: photos in a temp folder, image bytes, and a form payload."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

DAY = dt.date(2026, 11, 10)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def image_bytes(fmt="JPEG", size=(32, 24), exif=False) -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", size, (200, 40, 40))
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "CameraMaker"  # Make
        data[0x0112] = 6  # orientation: rotate 90°
        kwargs["exif"] = data.tobytes()
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def upload(name="photo.jpg", content=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, image_bytes() if content is None else content, content_type=content_type)


def form_data(*, district="110101", subject, violations=(), compliant=(), **over):
    """What the record form posts: the visit, and the checklist's results by rule ID."""
    data = {
        "district": district,
        "subject": subject,
        "date": DAY.isoformat(),
        "place": "学校操场和教学楼",
        "inspectors": "张明、李华",
        "kind": "special",
        "notes": "双减专项督导",
        "save": "1",
    }
    for rule_id, note in violations:
        data[f"result__{rule_id}"] = "violation"
        data[f"note__{rule_id}"] = note
    for rule_id in compliant:
        data[f"result__{rule_id}"] = "compliant"
    data.update(over)
    return data
