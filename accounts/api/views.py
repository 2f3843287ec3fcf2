from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from accounts.filtersets import AuditEventFilterSet
from accounts.models import AuditEvent
from accounts.permissions import IsCityStaff

from .serializers import AuditEventSerializer


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
