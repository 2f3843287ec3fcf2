from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from shuangjian.api import ScopedModelViewSet, ScopedReadOnlyViewSet

from .. import services
from ..filtersets import CorrectionFilterSet, DayVersionFilterSet
from ..models import Correction, CorrectionDay, DayVersion
from .serializers import (
    CorrectionCreateSchemaSerializer,
    CorrectionCreateSerializer,
    CorrectionSerializer,
    DayVersionSerializer,
    DecisionSerializer,
    RejectSerializer,
)


class CorrectionViewSet(ScopedModelViewSet):
    """Corrections of closed days (更正申请). A school POSTs one; district staff approve or reject it.

    ``approve`` replaces the class-days' homework with the correction's rows in one transaction and keeps the old
    rows as a version (``/api/v1/periods/versions/``); it answers 409 when the correction was already decided, or
    another correction changed one of its class-days since it was asked.
    """

    queryset = Correction.objects.select_related("school").prefetch_related(
        Prefetch("days", queryset=CorrectionDay.objects.order_by("school_class_id"))
    )
    serializer_class = CorrectionSerializer
    filterset_class = CorrectionFilterSet
    ordering_fields = ["requested_at", "date"]
    write_roles = frozenset({"city", "district", "school"})
    http_method_names = ["get", "post", "head", "options"]
    lookup_value_regex = r"\d+"
    schema_errors = {"POST": ("409",)}

    @extend_schema(request=CorrectionCreateSchemaSerializer, responses={201: CorrectionSerializer})
    def create(self, request, *args, **kwargs):
        serializer = CorrectionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        correction = services.correction_request(
            user=request.user,
            date=data["date"],
            class_ids=data["school_classes"],
            reason=data["reason"],
            items=data["items"],
            request=request,
        )
        return Response(CorrectionSerializer(self.get_queryset().get(pk=correction.pk)).data, status=201)

    @extend_schema(request=DecisionSerializer, responses=CorrectionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        correction = self.get_object()
        s = DecisionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.correction_approve(
            user=request.user, correction=correction, reason=s.validated_data["reason"], request=request
        )
        return Response(CorrectionSerializer(self.get_queryset().get(pk=correction.pk)).data, status=status.HTTP_200_OK)

    @extend_schema(request=RejectSerializer, responses=CorrectionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        correction = self.get_object()
        s = RejectSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.correction_reject(
            user=request.user, correction=correction, reason=s.validated_data["reason"], request=request
        )
        return Response(CorrectionSerializer(self.get_queryset().get(pk=correction.pk)).data)


class DayVersionViewSet(ScopedReadOnlyViewSet):
    """The superseded versions of class-days (the rows approved corrections replaced)."""

    queryset = DayVersion.objects.all()
    serializer_class = DayVersionSerializer
    filterset_class = DayVersionFilterSet
    ordering_fields = ["date", "version"]
