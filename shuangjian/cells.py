"""The one set of cell parsers every tabular input uses: homework (form, upload, bulk API), the registry and
schedule imports.

A value arrives as whatever the reader gave: a JSON value, a CSV string, or an openpyxl cell value (a number, a
``datetime`` for a date-formatted cell, a bool). Each parser returns the Python value or raises ``CellError`` whose
message (Chinese, translated) tells the user what the cell should hold; the caller names the row and the field.

What every import accepts, the same everywhere:

- dates: ``2024-01-05``, ``2024/01/05``, ``2024.01.05``, ``2024年1月5日`` (leading zeros optional), and a
  date-formatted Excel cell; years 1900–2100 (anything else is a typing slip: 0001, 20226);
- date-times: one of those dates, a space or ``T``, then ``HH:MM`` or ``HH:MM:SS``; an Excel date-time cell;
- booleans: 是/否, Y/N, yes/no, true/false, 1/0, √/× (any letter case), a boolean or 0/1 number cell;
- whole numbers: a number cell without a fraction, or digits with an optional sign;
- text: anything but the characters PostgreSQL or an Excel file cannot hold (see ``shuangjian.validators``);
  a ``'`` before text that starts like a formula is the exports' escape (``shuangjian.exports``) and is dropped.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import translation
from django.utils.translation import gettext as _

from .validators import control_character_message, has_control_characters

TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1", "√"})
FALSE_WORDS = frozenset({"否", "n", "no", "false", "0", "×"})

#: the years a date may fall in
YEARS = (1900, 2100)

_DATE = r"(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?)"
DATE_RE = re.compile(rf"^{_DATE}$")
DATETIME_RE = re.compile(rf"^{_DATE}(?:\s+|T)(\d{{1,2}}):(\d{{2}})(?::(\d{{2}}))?$")


class CellError(ValueError):
    """A cell's value cannot be read; ``str(error)`` says what it should be."""


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_text(value, *, max_length: int | None = None) -> str:
    """Text, stripped; a number cell as its digits; blank as ``""``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        text = text[1:]  # how shuangjian.exports writes text that starts like a formula: read back as it was
    if has_control_characters(text):
        raise CellError(control_character_message())
    if max_length is not None and len(text) > max_length:
        raise CellError(_("最多 %(n)d 个字") % {"n": max_length})
    return text


def parse_int(value, *, min_value: int | None = None, max_value: int | None = None) -> int:
    """A whole number, within ``[min_value, max_value]`` when given."""
    number = _int(value)
    if number is None:
        raise CellError(_("应为整数"))
    low, high = min_value, max_value
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            raise CellError(_("应为 %(min)d 到 %(max)d 之间的整数") % {"min": low, "max": high})
        if low is not None:
            raise CellError(_("应为不小于 %(min)d 的整数") % {"min": low})
        raise CellError(_("应为不大于 %(max)d 的整数") % {"max": high})
    return number


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit() and text.isascii():
            return int(text)
    return None


def parse_bool(value, *, default: bool | None = None) -> bool:
    """A yes/no cell; a blank one is ``default`` (required when there is none)."""
    if isinstance(value, bool):
        return value
    if blank(value):
        if default is None:
            raise CellError(_("必填"))
        return default
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(_("应为“是”或“否”（可填 是/否、Y/N、true/false、1/0、√/×）"))


def parse_date(value) -> dt.date:
    """A date: see the module's docstring for the forms accepted."""
    if isinstance(value, dt.datetime):
        return _in_years(value.date())
    if isinstance(value, dt.date):
        return _in_years(value)
    match = DATE_RE.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise CellError(_("日期格式应为 YYYY-MM-DD（如 2026-11-10）"))
    return _in_years(_date_of(match))


def parse_datetime(value, *, tz) -> dt.datetime:
    """A date and a time of day; a time without a zone is in ``tz``."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        match = DATETIME_RE.match(value.strip()) if isinstance(value, str) else None
        if match is None:
            raise CellError(_("时间格式应为 YYYY-MM-DD HH:MM（北京时间）"))
        hour, minute, second = (int(match.group(i) or 0) for i in (6, 7, 8))
        try:
            moment = dt.datetime.combine(_date_of(match), dt.time(hour, minute, second))
        except ValueError:
            raise CellError(_("时间格式应为 YYYY-MM-DD HH:MM（北京时间）")) from None
    _in_years(moment.date())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def _date_of(match: re.Match) -> dt.date:
    year, month, day = match.group(1), match.group(2) or match.group(4), match.group(3) or match.group(5)
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise CellError(
            _("日期无效：%(value)s（应为 YYYY-MM-DD，如 2026-11-10）") % {"value": match.group(0)}
        ) from None


def _in_years(day: dt.date) -> dt.date:
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise CellError(_("年份超出范围（应在 %(a)d–%(b)d 年之间）") % {"a": YEARS[0], "b": YEARS[1]})
    return day


def choice_map(choices) -> dict[str, str]:
    """``{code or Chinese label: code}`` for a Django choices class: a cell may hold either."""
    with translation.override("zh-hans"):
        mapping = {str(label): value for value, label in choices.choices}
    mapping.update({value: value for value in choices.values})
    return mapping


def parse_choice(value, mapping: dict[str, str], *, labels) -> str:
    """A code by its code or its Chinese label; ``labels`` are listed in the error."""
    code = mapping.get(value.strip()) if isinstance(value, str) else None
    if code is None:
        raise CellError(
            _("无效的取值“%(v)s”，可选：%(opts)s") % {"v": value, "opts": "、".join(str(x) for x in labels)}
        )
    return code
