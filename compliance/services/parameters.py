"""Rule parameters: city staff set a parameter's new value from a date (a dated row; earlier rows stay as history).

Reading the value in force on a date is ``compliance.parameters``; this module writes.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from accounts.audit import audit_record
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
