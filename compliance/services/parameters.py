"""Rule parameters: city staff set a parameter's new value from a date (a dated row; earlier rows stay as history).

Reading the value in force on a date is ``compliance.parameters``; this module writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.scoping import is_city
from shuangjian.errors import ConflictError, ServiceError

from .. import registry
from ..models import RuleParameter


def parameter_check(*, key: str, value, source: str) -> None:
    """Why a new value of ``key`` would be refused (a ``ServiceError``), checked before anything is written.

    The key must be one a rule reads or one that already has values, and the
    value must have the same JSON type as the values before it.
    """
    known = {p for r in registry.all_rules() for p in r.params}
    previous = RuleParameter.objects.filter(key=key).order_by("-effective_from").first()
    if previous is None and key not in known:
        raise ServiceError(f"未知的参数：{key}", fields={"key": ["没有规则使用该参数"]})
    if not source or not source.strip():
        raise ServiceError("请填写依据 / the source is required", fields={"source": ["必填"]})
    if previous is not None and _json_kind(previous.value) != _json_kind(value):
        raise ServiceError(
            f"取值类型应与原值一致（{_json_kind(previous.value)}）", fields={"value": [f"原值为 {previous.value!r}"]}
        )


def parameter_create(
    *, key: str, value, effective_from: dt.date, source: str, actor=None, request=None
) -> RuleParameter:
    """City staff set a parameter's new value from a date: a new dated row; earlier rows stay as history.

    Checked by ``parameter_check``; the new row and its audit event are written together.
    """
    parameter_check(key=key, value=value, source=source)
    try:
        with transaction.atomic():
            row = RuleParameter.objects.create(
                key=key,
                value=value,
                effective_from=effective_from,
                source=source.strip(),
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            previous = (
                RuleParameter.objects.filter(key=key, effective_from__lt=effective_from)
                .order_by("-effective_from")
                .first()
            )
            audit_record(
                actor=actor,
                action="create",
                obj=row,
                request=request,
                detail={
                    "key": key,
                    "value": value,
                    "effective_from": effective_from,
                    "source": row.source,
                    "previous_value": previous.value if previous is not None else None,
                },
            )
            return row
    except IntegrityError as exc:
        raise ConflictError(
            "该参数在这一生效日期已有取值 / this parameter already has a value from that date",
            fields={"effective_from": ["已有取值"]},
        ) from exc


def _json_kind(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "null"


@dataclass(frozen=True)
class ParameterAdded:
    """What ``parameter_add`` did: the new dated row, and the run that re-checks the past days it now governs
    (None when the value takes effect today or later)."""

    row: RuleParameter
    run: object | None


class PastDateNeedsConfirmation(ServiceError):
    """A value from a date already past changes the rules of days already checked: the caller must confirm it."""

    code = "past_effective_date"
    status_code = 409


def parameter_rules(key: str) -> list:
    """The registered rules that read ``key``."""
    return [r for r in registry.all_rules() if key in r.params]


def parameter_past_days(*, key: str, effective_from: dt.date, today: dt.date | None = None):
    """The days already past a new value from ``effective_from`` would govern: from that date to the day before
    the next dated value (or yesterday), ``None`` when there are none (the value takes effect today or later)."""
    today = today or timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    if effective_from > yesterday:
        return None
    following = (
        RuleParameter.objects.filter(key=key, effective_from__gt=effective_from).order_by("effective_from").first()
    )
    last = yesterday
    if following is not None:
        last = min(last, following.effective_from - dt.timedelta(days=1))
    if last < effective_from:
        return None
    return effective_from, last


def parameter_add(
    *, key: str, value, effective_from: dt.date, source: str, actor, confirm_past: bool = False, request=None
) -> ParameterAdded:
    """City staff add a parameter's value from a date, from the parameter page (计参数页面).

    The past is never changed silently: a date already past (before today) is refused with
    ``PastDateNeedsConfirmation`` unless ``confirm_past`` is given; with it, the value is written and a compliance
    run of the rules that read the parameter re-checks the past days it now governs (from the date up to the
    day before the next dated value, or yesterday; at most ``MAX_RUN_DAYS`` of the most recent ones). The audit
    event names the run.
    """
    from ..choices import RunTrigger
    from .dispatch import run_start
    from .runs import MAX_RUN_DAYS

    if not is_city(actor):
        raise ServiceError(
            _("只有市教委工作人员可以设置规则参数"), code="permission_denied", fields={"value": [_("无权设置")]}
        )
    past = parameter_past_days(key=key, effective_from=effective_from)
    if past is not None and not confirm_past:
        raise PastDateNeedsConfirmation(
            _(
                "生效日期 %(date)s 已过去：新取值将改变 %(from)s 至 %(to)s 已检查过的结果。请勾选确认，系统将重新检查这些日期。"
            )
            % {"date": effective_from.isoformat(), "from": past[0].isoformat(), "to": past[1].isoformat()},
            fields={"confirm_past": [_("生效日期早于今天，须确认重新检查")]},
        )
    with transaction.atomic():
        row = parameter_create(
            key=key, value=value, effective_from=effective_from, source=source, actor=actor, request=request
        )
        run = None
        rules = [r.id for r in parameter_rules(key) if r.kind == "auto"]
        if past is not None and rules:
            first = max(past[0], past[1] - dt.timedelta(days=MAX_RUN_DAYS - 1))
            run = run_start(
                date_from=first, date_to=past[1], rule_ids=rules, trigger=RunTrigger.CHANGE, started_by=actor
            )
            audit_record(
                actor=actor,
                action="update",
                obj=row,
                request=request,
                detail={"past_confirmed": {"from": first, "to": past[1], "run": run.pk}},
            )
    return ParameterAdded(row=row, run=run)
