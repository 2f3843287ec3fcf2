"""The findings workbook: the rows a bureau officer chose on the findings list (or everything its filters find),
written through ``shuangjian.exports`` (text cells never read as formulas)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from shuangjian import exports

from . import registry
from .evidence import evidence_text

#: the most rows one export holds (a list filtered wider than this is cut, and says so in its last row)
EXPORT_LIMIT = 5000


def _subject(f) -> str:
    return str(f.school_class or f.school or f.institution or "")


def findings_workbook(findings) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    language = get_language()
    wb = Workbook()
    ws = wb.active
    ws.title = _("问题线索")
    header = [
        _("编号"),
        _("规则"),
        _("规则名称"),
        _("区"),
        _("学校"),
        _("班级"),
        _("培训机构"),
        _("对象"),
        _("日期"),
        _("问题"),
        _("状态"),
        _("首次发现"),
        _("最近发现"),
        _("证据"),
    ]
    exports.sheet_append(ws, header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    count = 0
    for f in findings:
        rule = registry.get_rule(f.rule_id) if registry.is_registered(f.rule_id) else None
        exports.sheet_append(
            ws,
            [
                f.pk,
                f.rule_id,
                rule.title(language) if rule else "",
                f.district.name,
                str(f.school or ""),
                str(f.school_class or ""),
                str(f.institution or ""),
                _subject(f),
                f.period_start,
                f.summary,
                str(f.get_status_display()),
                timezone.localtime(f.first_seen).replace(tzinfo=None) if f.first_seen else None,
                timezone.localtime(f.last_seen).replace(tzinfo=None) if f.last_seen else None,
                evidence_text(f.evidence),
            ],
        )
        count += 1
    if count >= EXPORT_LIMIT:
        exports.sheet_append(ws, [_("（仅导出前 %(n)d 条，请缩小筛选范围）") % {"n": EXPORT_LIMIT}])
    widths = [8, 16, 28, 10, 24, 14, 28, 28, 12, 48, 12, 17, 17, 60]
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    for row in ws.iter_rows(min_row=2, min_col=14, max_col=14):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=2, min_col=9, max_col=9):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    for row in ws.iter_rows(min_row=2, min_col=12, max_col=13):
        for cell in row:
            cell.number_format = "yyyy-mm-dd hh:mm"
    ws.freeze_panes = "A2"
    return exports.workbook_bytes(wb)
