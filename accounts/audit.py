"""The audit trail (审计日志): one function every service calls, and the reads city staff use.

Other apps record their writes by calling, inside the same transaction as the
write (so a rolled-back change leaves no record of a change that never happened)::

    from accounts.audit import audit_record

    audit_record(actor=user, action="create", obj=institution, request=request)
    audit_record(actor=user, action="status_change", obj=finding,
                 detail={"from": "open", "to": "rectified", "note": note})
    audit_record(actor=user, action="view_contact", obj=complaint, request=request)

``obj`` gives the object type, id, text and (through ``district_id`` or
``school.district_id``) the district. Logins, failed logins, lockouts, logouts
and denied accesses are recorded by ``accounts.signals`` and
``accounts.middleware.AccessDeniedAuditMiddleware``; admin changes through
Django's ``LogEntry``.
"""

import ipaddress
import json
import logging

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone

from .models import AuditAction, AuditEvent, AuditOutcome, DeniedRequestTally

log = logging.getLogger("accounts.audit")

ACTIONS = frozenset(AuditAction.values)
OUTCOMES = frozenset(AuditOutcome.values)


def client_ip(request) -> str | None:
    """The caller's address: ``REMOTE_ADDR``, or, behind ``TRUSTED_PROXY_COUNT`` reverse proxies,
    the address the outermost trusted proxy saw (never a value the client chose itself)."""
    if request is None:
        return None
    meta = request.META
    candidate = meta.get("REMOTE_ADDR")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address((candidate or "").strip()))
    except ValueError:
        return None


def district_id_of(obj):
    """The district an object belongs to (itself, or through its school or institution), or None."""
    if obj._meta.label_lower == "schools.district":
        return obj.pk
    for path in ("district_id", "school.district_id", "institution.district_id"):
        value = obj
        try:
            for part in path.split("."):
                value = getattr(value, part)
        except Exception:  # noqa: BLE001 - a missing relation means no district
            continue
        if value is not None:
            return value
    return None


def _jsonable(detail):
    return json.loads(json.dumps(detail or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    district=None,
    outcome: str = AuditOutcome.OK,
    detail: dict | None = None,
    request=None,
    object_type: str = "",
    object_id="",
    object_repr: str = "",
    actor_label: str = "",
) -> AuditEvent:
    """Append one audit event. ``actor`` may be None (anonymous); ``detail`` must be JSON-able
    (dates and decimals are converted). Never pass secrets or the complainant's contact details
    in ``detail``: record that they were viewed, not what they are."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if getattr(user, "is_authenticated", False):
            actor = user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
        if district is None:
            district = district_id_of(obj)
    district_id = getattr(district, "pk", district)
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=(actor_label or (actor.get_username() if actor is not None else ""))[:150],
        action=action,
        object_type=object_type[:100],
        object_id=str(object_id if object_id is not None else "")[:64],
        object_repr=object_repr[:200],
        district_id=district_id,
        outcome=outcome,
        detail=_jsonable(detail),
        ip=client_ip(request),
        path=(request.path if request is not None else "")[:300],
    )


def audit_record_safely(**kwargs) -> AuditEvent | None:
    """``audit_record`` for places that must answer even when the database cannot (a 403 page,
    a failed login while PostgreSQL restarts): a failure is logged, never raised."""
    try:
        with transaction.atomic():  # a savepoint: a failure here never breaks the caller's transaction
            return audit_record(**kwargs)
    except DatabaseError:
        log.exception("audit event not stored: %s", {k: kwargs.get(k) for k in ("action", "object_type")})
        return None


def _path_pattern(request) -> str:
    """The URL pattern a request matched (``api/v1/schools/<int:pk>/``), so that walking through ids counts as
    one key; a path no pattern matches counts as one key of its own."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "(unmatched)"
    return (match.route or match.view_name or "(unnamed)")[:300]


_TALLY_SQL = None


def _tally_sql() -> str:
    global _TALLY_SQL
    if _TALLY_SQL is None:
        table = connection.ops.quote_name(DeniedRequestTally._meta.db_table)
        _TALLY_SQL = (
            f"INSERT INTO {table} AS t (client, actor_label, path_pattern, minute, count) "  # noqa: S608 - our table
            "VALUES (%s, %s, %s, %s, 1) "
            "ON CONFLICT (client, actor_label, path_pattern, minute) DO UPDATE SET count = t.count + 1 "
            "RETURNING t.count"
        )
    return _TALLY_SQL


def denied_request_record(*, request, status: int) -> AuditEvent | None:
    """Record a refused request (401, 403, or a 404 an authenticated user met) without letting a flood of them
    fill the audit trail.

    One statement upserts the count of refusals of this (address, account, URL pattern, minute) in
    ``DeniedRequestTally``; only the first of each key writes an ``access_denied`` audit event (its detail
    names the pattern). The audit trail is never updated (it is append-only): the repeats are read from
    the tally. A failure is logged, never raised (the refusal must still be answered).
    """
    user = getattr(request, "user", None)
    actor_label = user.get_username()[:150] if getattr(user, "is_authenticated", False) else ""
    pattern = _path_pattern(request)
    minute = timezone.now().replace(second=0, microsecond=0)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_tally_sql(), [client_ip(request) or "", actor_label, pattern, minute])
            (count,) = cursor.fetchone()
    except DatabaseError:
        log.exception("denied request not counted: %s", pattern)
        count = 1  # the tally is unavailable: record the refusal itself rather than nothing
    if count != 1:
        return None
    return audit_record_safely(
        actor=None,
        action=AuditAction.ACCESS_DENIED,
        outcome=AuditOutcome.DENIED,
        request=request,
        detail={"method": request.method, "status": status, "path_pattern": pattern},
    )
