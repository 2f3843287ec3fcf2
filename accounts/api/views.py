from axes.handlers.proxy import AxesProxyHandler
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from knox.models import get_token_model
from rest_framework import exceptions, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import audit_record_safely
from accounts.authentication import PasswordChangeRequired
from accounts.filtersets import AuditEventFilterSet
from accounts.models import AuditEvent
from accounts.permissions import IsCityStaff
from accounts.scoping import role_of
from accounts.security import lockout_response
from accounts.services import api_token_create, api_token_revoke

from .serializers import AuditEventSerializer, TokenObtainSerializer


@extend_schema_view(
    list=extend_schema(tags=["audit"], summary="Search the audit trail (city staff)"),
    retrieve=extend_schema(tags=["audit"], summary="One audit event (city staff)"),
)
class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail, read-only for everyone: it has no write route at all."""

    queryset = AuditEvent.objects.select_related("district")
    serializer_class = AuditEventSerializer
    permission_classes = [IsCityStaff]
    filterset_class = AuditEventFilterSet
    ordering_fields = ["at", "id"]
    ordering = ["-at", "-id"]


class TokenView(APIView):
    """``/api/v1/auth/token/``: POST a username and password for an API token; DELETE revokes the token the
    request is made with.

    A failed POST counts towards the login lockout (the serializer authenticates with the request) and a
    locked-out caller gets the lockout answer (429); a successful one resets the count and is audited, as a
    page login is. A user whose password an administrator reset gets 403 until they change it on the website.
    """

    serializer_class = TokenObtainSerializer
    schema_errors = {"POST": ("429",)}

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        tags=["auth"],
        summary="Exchange a username and password for an API token (valid 10 hours)",
        responses={200: TokenObtainSerializer},
    )
    def post(self, request, *args, **kwargs):
        serializer = self.serializer_class(data=request.data, context={"request": request})
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request._request)
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        # what a session login does through user_logged_in: reset the failure count (the password was right)
        AxesProxyHandler.user_logged_in(sender=type(self), request=request, user=user)
        profile = role_of(user)
        if profile is not None and profile.must_change_password:
            raise PasswordChangeRequired()
        instance, key = api_token_create(user=user)
        audit_record_safely(actor=user, action="login", request=request, detail={"method": "token"})
        return Response(self.serializer_class({"token": key, "expiry": instance.expiry}).data)

    @extend_schema(
        tags=["auth"], summary="Revoke the API token this request is made with", request=None, responses={204: None}
    )
    def delete(self, request, *args, **kwargs):
        if not isinstance(request.auth, get_token_model()):
            raise exceptions.PermissionDenied(
                _("只能撤销发出本请求的 API 令牌 / Only the API token this request is made with can be revoked")
            )
        api_token_revoke(token=request.auth)
        audit_record_safely(actor=request.user, action="logout", request=request, detail={"method": "token"})
        return Response(status=status.HTTP_204_NO_CONTENT)
