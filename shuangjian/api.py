"""The API base every app's viewsets build on (NetBox-style).

- ``ScopedViewSetMixin`` restricts the queryset to what the caller may see
  through the one scoping mechanism (``accounts.scoping``), so an object of
  another district is a 404, and a list never holds one.
- ``exception_handler`` gives every error one shape:
  ``{"detail": "...", "code": "...", "fields": {...}}``.
"""

import logging

from django.apps import apps
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.scoping import restrict
from shuangjian.errors import ServiceError

logger = logging.getLogger(__name__)


def _constraint_message(exc: DatabaseError) -> str | None:
    """The message a model's constraint declares for itself, if the database named that constraint."""
    text = str(exc)
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if (
                constraint.name in text
                and constraint.violation_error_message != constraint.default_violation_error_message
            ):
                return str(constraint.get_violation_error_message())
    return None


def _database_error(exc: DatabaseError) -> Response:
    """A write the database refused: the user gets what it means (the constraint's own message where it has one),
    never the database's text (table, column and constraint names, the values of other rows); the log keeps it."""
    logger.warning("the database refused a write: %s", exc)
    if isinstance(exc, IntegrityError):
        message = _constraint_message(exc)
        return Response(
            {
                "detail": str(_("与已有数据冲突，未保存 / Conflicts with existing data, nothing saved")),
                "code": "conflict",
                "fields": {"non_field_errors": [message]} if message else {},
            },
            status=status.HTTP_409_CONFLICT,
        )
    return Response(
        {
            "detail": str(
                _(
                    "数据无法保存（格式或长度不符），未保存任何内容 / The data could not be stored "
                    "(format or length), nothing saved"
                )
            ),
            "code": "database",
            "fields": {},
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        return Response(
            {
                "detail": str(
                    _("请求内容超过 %(n)d MB 上限，未保存任何数据：请分批提交 / the request body is over %(n)d MB")
                    % {"n": limit}
                ),
                "code": "too_large",
                "fields": {},
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, ServiceError):
        return Response({"detail": exc.message, "code": exc.code, "fields": exc.fields}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            {"detail": str(_("输入有误 / Invalid input")), "code": "invalid", "fields": fields},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, (OperationalError, InterfaceError)):
        return Response(
            {
                "detail": str(_("数据库暂时不可用，请稍后再试 / The database is unavailable, try again shortly")),
                "code": "unavailable",
                "fields": {},
            },
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, (ProtectedError, RestrictedError)):
        # the raw message lists the referencing rows (accounts, findings ...): name their kinds only
        rows = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        kinds = sorted({str(row._meta.verbose_name) for row in rows})
        return Response(
            {
                "detail": str(_("仍有其他记录引用它，不能删除 / Still referenced, cannot be deleted")),
                "code": "protected",
                "fields": {"non_field_errors": [str(_("引用它的记录：")) + "、".join(kinds)]},
            },
            status=status.HTTP_409_CONFLICT,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return _database_error(exc) if isinstance(exc, DatabaseError) else None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = {"detail": str(_("输入有误 / Invalid input")), "code": "invalid", "fields": fields}
    elif isinstance(data, dict) and "detail" in data:
        response.data = {"detail": str(data["detail"]), "code": getattr(exc, "default_code", "error"), "fields": {}}
    return response


class ScopedViewSetMixin:
    """Restrict ``queryset`` to the caller's scope; declare ``write_roles`` for writes."""

    #: roles that may create, update or delete through this viewset
    write_roles: frozenset = frozenset({"city"})

    def get_queryset(self):
        return restrict(super().get_queryset(), self.request.user)

    def get_permissions(self):
        from accounts.permissions import WriteRoles

        perms = super().get_permissions()
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            perms.append(WriteRoles(self.write_roles))
        return perms


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
