"""Photo uploads: images only, checked by decoding their content (never by the file name), size-capped."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from shuangjian.errors import ServiceError

if TYPE_CHECKING:
    from django.core.files.base import File

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 5
#: a whole submission: the photos plus the form, refused before it is read
MAX_REQUEST_BYTES = MAX_PHOTOS * MAX_PHOTO_BYTES + 1024 * 1024
#: Pillow format → (content type, extension)
ALLOWED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}


def _error(message):
    return ServiceError(message, code="invalid_upload", fields={"photos": [message]})


def check_photos(files: Iterable[File[bytes] | None] | None) -> list[tuple[File[bytes], str, str]]:
    """Return ``[(file, content_type, extension)]`` or raise a ServiceError naming the problem."""
    files = [f for f in files or [] if f]
    if len(files) > MAX_PHOTOS:
        raise _error(_("最多上传 %(n)d 张照片") % {"n": MAX_PHOTOS})
    checked = []
    for i, f in enumerate(files, start=1):
        if f.size > MAX_PHOTO_BYTES:
            raise _error(_("第 %(i)d 个文件超过 5 MB，请压缩后再上传") % {"i": i})
        try:
            f.seek(0)
            with Image.open(f) as img:
                fmt = img.format
                img.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            raise _error(_("第 %(i)d 个文件不是可识别的图片（只接受 JPEG、PNG、GIF、WebP 照片）") % {"i": i}) from None
        if fmt not in ALLOWED_FORMATS:
            raise _error(_("第 %(i)d 个文件不是可识别的图片（只接受 JPEG、PNG、GIF、WebP 照片）") % {"i": i})
        f.seek(0)
        content_type, ext = ALLOWED_FORMATS[fmt]
        checked.append((f, content_type, ext))
    return checked


class PayloadTooLarge(ServiceError):
    code = "too_large"
    status_code = 413


def check_request_size(request) -> None:
    """Refuse a submission larger than five full-size photos before Django reads it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_REQUEST_BYTES:
        message = _("提交的内容过大：最多 %(n)d 张照片，每张不超过 5 MB") % {"n": MAX_PHOTOS}
        raise PayloadTooLarge(message, fields={"photos": [message]})
