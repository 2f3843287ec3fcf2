"""Attachments of reports (images, PDF, Excel workbooks): recognised by their content, never by their name,
size-capped, and refused when they carry active content (PDF scripts and auto-actions, workbook macros).

``check_attachments(files, field=...)`` returns ``[Checked]`` or raises a ``ServiceError`` naming the file (its
position and name) and the problem, so nothing is saved from a submission with one bad file.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from .errors import ServiceError

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
PDF = ("application/pdf", "pdf")
XLSX = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
#: PDF names that run something when the file is opened or clicked
PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|OpenAction|AA|Launch|EmbeddedFile|RichMedia|XFA|SubmitForm|ImportData)\b")
#: the most a workbook may hold once unpacked (a zip bomb is refused before it is expanded)
MAX_UNPACKED_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class Checked:
    file: object
    name: str
    content_type: str
    extension: str
    size: int


def _image(f) -> tuple[str, str] | None:
    try:
        f.seek(0)
        with Image.open(f) as img:
            fmt = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return IMAGE_FORMATS.get(fmt or "")


def _pdf(f, head: bytes) -> tuple[str, str] | None | str:
    if not head.startswith(b"%PDF-"):
        return None
    f.seek(0)
    if PDF_ACTIVE.search(f.read()):
        return _("含有脚本或自动执行的内容")
    return PDF


def _xlsx(f, head: bytes) -> tuple[str, str] | None | str:
    if not head.startswith(b"PK\x03\x04"):
        return None
    f.seek(0)
    try:
        with zipfile.ZipFile(f) as z:
            names = set(z.namelist())
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                return None
            if sum(i.file_size for i in z.infolist()) > MAX_UNPACKED_BYTES:
                return _("解压后过大")
            types = z.read("[Content_Types].xml")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError):
        return None
    if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in types:
        return _("含有宏")
    return XLSX


def check_attachments(files: Iterable | None, *, field: str = "files") -> list[Checked]:
    """The files as ``Checked`` (content type and extension from the content) or a ``ServiceError``."""
    files = [f for f in files or [] if f]

    def refuse(message):
        return ServiceError(message, code="invalid_upload", fields={field: [message]})

    if len(files) > MAX_ATTACHMENTS:
        raise refuse(_("最多上传 %(n)d 个附件") % {"n": MAX_ATTACHMENTS})
    checked = []
    for i, f in enumerate(files, start=1):
        name = (getattr(f, "name", "") or f"file-{i}").rsplit("/", 1)[-1][:200]
        which = _("第 %(i)d 个附件（%(name)s）") % {"i": i, "name": name}
        if f.size > MAX_ATTACHMENT_BYTES:
            raise refuse(_("%(which)s超过 10 MB") % {"which": which})
        f.seek(0)
        head = f.read(8)
        kind = _pdf(f, head) or _xlsx(f, head) or _image(f)
        if kind is None:
            raise refuse(
                _("%(which)s不是可接受的文件：只接受 JPEG、PNG、WebP 图片、PDF 和 Excel（xlsx）") % {"which": which}
            )
        if isinstance(kind, str):
            raise refuse(_("%(which)s不能上传：%(why)s") % {"which": which, "why": kind})
        f.seek(0)
        checked.append(Checked(file=f, name=name, content_type=kind[0], extension=kind[1], size=f.size))
    return checked
