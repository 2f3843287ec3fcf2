from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from shuangjian.api import ScopedModelViewSet
from shuangjian.errors import ServiceError

from .. import services
from ..filtersets import ActivityFilterSet, DailyReportFilterSet, ProgrammeFilterSet, ProviderSelectionFilterSet
from ..models import Activity, DailyReport, Programme, ProviderSelection
from .serializers import (
    ActivitySerializer,
    DailyReportInputSerializer,
    DailyReportSerializer,
    ProgrammeSerializer,
    ProviderSelectionSerializer,
)


class DailyReportViewSet(ScopedModelViewSet):
    """Daily after-school reports. POST one report or a list; re-filing a school and date replaces it."""

    queryset = DailyReport.objects.all()
    serializer_class = DailyReportSerializer
    filterset_class = DailyReportFilterSet
    ordering_fields = ["date", "school", "filed_at"]
    write_roles = frozenset({"city", "district", "school"})
    http_method_names = ["get", "post", "head", "options"]
    schema_errors = {"POST": ("409",)}  # a closed day (ask for a correction)

    @extend_schema(
        request=DailyReportInputSerializer,
        responses={201: DailyReportSerializer},
        description="File one report (an object) or several (a JSON list of up to 5,000 objects, answered with a "
        "list). All are saved or none; errors name the row (`row N`, from 1) and the field. A school and date "
        "filed again replace the earlier figures.",
    )
    def create(self, request, *args, **kwargs):
        many = isinstance(request.data, list)
        items = request.data if many else [request.data]
        rows, type_errors = [], {}
        for i, item in enumerate(items):
            ser = DailyReportInputSerializer(data=item)
            if ser.is_valid():
                rows.append(ser.validated_data)
            else:
                type_errors[f"row {i + 1}"] = ser.errors
        try:
            if type_errors:
                raise ServiceError(_("日报有误，未保存任何数据，请按提示修改后重新提交"), fields=type_errors)
            saved = services.report_file(user=request.user, reports=rows)
        except ServiceError as exc:
            if not many and "row 1" in exc.fields:
                exc.fields = dict(exc.fields["row 1"])
            raise
        data = DailyReportSerializer(saved, many=True).data
        return Response(data if many else data[0], status=status.HTTP_201_CREATED)


class ProgrammeViewSet(ScopedModelViewSet):
    """A school's after-school programme per term, with its menu of activities."""

    queryset = Programme.objects.select_related("school", "term").prefetch_related(
        Prefetch("activities", queryset=Activity.objects.order_by("kind", "name"))
    )
    serializer_class = ProgrammeSerializer
    filterset_class = ProgrammeFilterSet
    ordering_fields = ["school", "term__starts_on", "updated_at"]
    write_roles = frozenset({"city", "district", "school"})

    def perform_create(self, serializer):
        serializer.instance = services.programme_save(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.programme_update(
            user=self.request.user, programme=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        raise ServiceError(_("课后服务方案不能删除，可修改其内容"), code="not_deletable")


class ActivityViewSet(ScopedModelViewSet):
    """The activities on programmes' menus, and who provides them."""

    queryset = Activity.objects.select_related("institution")
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilterSet
    ordering_fields = ["programme", "kind", "name"]
    write_roles = frozenset({"city", "district", "school"})

    def perform_create(self, serializer):
        serializer.instance = services.activity_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.activity_update(
            user=self.request.user, activity=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.activity_delete(user=self.request.user, activity=instance)


class ProviderSelectionViewSet(ScopedModelViewSet):
    """The district bureau's selected (遴选) after-school providers; district staff keep their own list."""

    queryset = ProviderSelection.objects.select_related("district", "institution")
    serializer_class = ProviderSelectionSerializer
    filterset_class = ProviderSelectionFilterSet
    ordering_fields = ["selected_on", "valid_until"]
    write_roles = frozenset({"city", "district"})
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = services.provider_selection_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        data = serializer.validated_data
        changed = set(data) - {"valid_until", "note"}
        if changed:
            raise ServiceError(_("只能修改有效期和备注"), fields={f: [_("不可修改")] for f in sorted(changed)})
        serializer.instance = services.provider_selection_update(
            user=self.request.user,
            selection=serializer.instance,
            valid_until=data.get("valid_until", serializer.instance.valid_until),
            note=data.get("note"),
        )
