"""Inspection photos: JPEG or PNG only, recognised by decoding the content (never by the file name), at most
10 MB each, and re-encoded before they are stored, so what is kept is the decoded picture alone (no trailing
payload, no EXIF location or camera data; the orientation is applied first).

The complaint form's check (``complaints.uploads``) takes GIF and WebP from the public and caps at 5 MB; the
report attachments (``shuangjian.attachments``) take PDFs and workbooks. Inspectors' photos are evidence of a
case finding, so they are held to the narrowest set of formats a phone or a camera produces.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from shuangjian.errors import ServiceError

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 20
#: a whole submission: the photos plus the form
MAX_REQUEST_BYTES = MAX_PHOTOS * MAX_PHOTO_BYTES + 1024 * 1024
#: Pillow format → (content type, extension)
ALLOWED_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}
DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)


@dataclass(frozen=True)
class CheckedPhoto:
    content: ContentFile
    content_type: str
    extension: str
    width: int
    height: int
    caption: str

    @property
    def size(self) -> int:
        return self.content.size


def _refuse(message: str) -> ServiceError:
    return ServiceError(message, code="invalid_upload", fields={"photos": [message]})


def _reencode(f, fmt: str) -> tuple[bytes, int, int]:
    f.seek(0)
    with Image.open(f) as img:
        img.load()
        picture = ImageOps.exif_transpose(img) or img
        out = io.BytesIO()
        if fmt == "JPEG":
            if picture.mode not in ("RGB", "L"):
                picture = picture.convert("RGB")
            picture.save(out, format="JPEG", quality=90, optimize=True)
        else:
            picture.save(out, format="PNG", optimize=True)
        return out.getvalue(), picture.width, picture.height


def check_photos(photos: Iterable | None) -> list[CheckedPhoto]:
    """Each photo (an uploaded file, or ``{"file": ..., "caption": ...}``) decoded, checked and re-encoded, or a
    ``ServiceError`` naming the photo (its position and file name) and what is wrong with it."""
    entries = []
    for entry in photos or []:
        f, caption = (entry.get("file"), entry.get("caption", "")) if isinstance(entry, dict) else (entry, "")
        if f:
            entries.append((f, (caption or "").strip()[:200]))
    if len(entries) > MAX_PHOTOS:
        raise _refuse(_("最多上传 %(n)d 张照片") % {"n": MAX_PHOTOS})
    checked = []
    for i, (f, caption) in enumerate(entries, start=1):
        name = (getattr(f, "name", "") or "").rsplit("/", 1)[-1][:100]
        which = _("第 %(i)d 张照片（%(name)s）") % {"i": i, "name": name} if name else _("第 %(i)d 张照片") % {"i": i}
        if f.size > MAX_PHOTO_BYTES:
            raise _refuse(_("%(which)s超过 10 MB，请压缩后再上传") % {"which": which})
        not_a_photo = _("%(which)s不是可识别的照片：只接受 JPEG、PNG 格式") % {"which": which}
        try:
            f.seek(0)
            with Image.open(f) as img:
                fmt = img.format or ""
                img.verify()
        except DECODE_ERRORS:
            raise _refuse(not_a_photo) from None
        if fmt not in ALLOWED_FORMATS:
            raise _refuse(not_a_photo)
        try:
            data, width, height = _reencode(f, fmt)
        except DECODE_ERRORS:
            raise _refuse(not_a_photo) from None
        content_type, ext = ALLOWED_FORMATS[fmt]
        checked.append(
            CheckedPhoto(
                content=ContentFile(data, name=f"photo.{ext}"),
                content_type=content_type,
                extension=ext,
                width=width,
                height=height,
                caption=caption,
            )
        )
    return checked


class PayloadTooLarge(ServiceError):
    code = "too_large"
    status_code = 413


def check_request_size(request) -> None:
    """Refuse a submission larger than the most photos at their largest before Django reads it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_REQUEST_BYTES:
        message = _("提交的内容过大：最多 %(n)d 张照片，每张不超过 10 MB") % {"n": MAX_PHOTOS}
        raise PayloadTooLarge(message, fields={"photos": [message]})
