"""Dated rule parameters: the value in force on a date, and the date ranges over which a rule's parameters are constant."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy

from .models import RuleParameter


class MissingParameter(LookupError):
    pass


def parameter_value(key: str, *, on: dt.date):
    row = RuleParameter.objects.filter(key=key, effective_from__lte=on).order_by("-effective_from").first()
    if row is None:
        raise MissingParameter(f"parameter {key} has no value in force on {on}")
    return row.value


def parameters_in_force(*, on: dt.date) -> dict:
    """Every parameter's value on ``on`` (for the rule catalogue)."""
    values = {}
    for row in RuleParameter.objects.filter(effective_from__lte=on).order_by("key", "effective_from"):
        values[row.key] = row  # later rows overwrite earlier ones
    return values


def parameter_segments(keys, date_from: dt.date, date_to: dt.date) -> list[tuple[dt.date, dt.date, dict]]:
    """Split ``[date_from, date_to]`` where any of ``keys`` changes value.

    Returns ``[(start, end, {key: value})]`` so that a rule runs once per
    segment with plain values, and a sweep of a past date uses the values in
    force then. One query for all keys.
    """
    keys = list(keys)
    if not keys:
        return [(date_from, date_to, {})]
    rows = list(RuleParameter.objects.filter(key__in=keys, effective_from__lte=date_to).order_by("effective_from"))
    change_dates = sorted({r.effective_from for r in rows if r.effective_from > date_from})
    starts = [date_from, *change_dates]
    segments = []
    for i, start in enumerate(starts):
        end = starts[i + 1] - dt.timedelta(days=1) if i + 1 < len(starts) else date_to
        values = {}
        for r in rows:
            if r.effective_from <= start:
                values[r.key] = r.value
        missing = [k for k in keys if k not in values]
        if missing:
            raise MissingParameter(f"no value in force on {start} for {', '.join(missing)}")
        segments.append((start, end, values))
    return segments


#: the parameters' names as city staff read them (the key stays the stable identifier the rules use)
PARAMETER_LABELS = {
    "hw_max_minutes_g36": gettext_lazy("3–6年级书面作业平均时长上限（分钟）"),
    "hw_max_minutes_g79": gettext_lazy("7–9年级书面作业平均时长上限（分钟）"),
    "hw_filing_deadline": gettext_lazy("作业公示截止时间"),
    "hw_filing_grace_days": gettext_lazy("作业公示宽限天数"),
    "as_min_pe_minutes": gettext_lazy("每日体育活动最少时长（分钟）"),
    "as_min_end_time": gettext_lazy("课后服务最早结束时间"),
    "as_filing_grace_days": gettext_lazy("课后服务日报宽限天数"),
    "offline_latest_end": gettext_lazy("线下培训最晚结束时间"),
    "online_latest_end": gettext_lazy("线上培训最晚结束时间"),
    "online_max_lesson_minutes": gettext_lazy("线上培训每课时最长（分钟）"),
    "online_min_gap_minutes": gettext_lazy("线上培训课程最短间隔（分钟）"),
    "guide_price_offline_lt10": gettext_lazy("线下10人以下基准价（元/生·课时）"),
    "guide_price_offline_10_35": gettext_lazy("线下10–35人基准价（元/生·课时）"),
    "guide_price_offline_gt35": gettext_lazy("线下35人以上基准价（元/生·课时）"),
    "guide_price_online": gettext_lazy("线上基准价（元/生·课时）"),
    "guide_price_float": gettext_lazy("收费上浮比例上限"),
    "prepay_max_months": gettext_lazy("预收费最长月数"),
    "prepay_max_hours": gettext_lazy("预收费最多课时"),
    "complaint_resolve_working_days": gettext_lazy("投诉办结时限（工作日）"),
    "rectify_working_days_serious": gettext_lazy("严重问题整改时限（工作日）"),
    "rectify_working_days_ordinary": gettext_lazy("一般问题整改时限（工作日）"),
    "rectify_working_days_minor": gettext_lazy("轻微问题整改时限（工作日）"),
}


def parameter_label(key: str) -> str:
    """A parameter's name in the reader's language; the key itself for one without a name."""
    return str(PARAMETER_LABELS.get(key, key))
