from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from shuangjian.api import ScopedModelViewSet, ScopedReadOnlyViewSet
from shuangjian.errors import ServiceError

from .. import services
from ..choices import MAX_BATCH
from ..filtersets import CompletionSurveyFilterSet, HomeworkDayFilterSet, HomeworkItemFilterSet
from ..models import CompletionSurvey, HomeworkDay, HomeworkItem
from .serializers import (
    CompletionSurveySerializer,
    FilingResultSerializer,
    HomeworkDaySerializer,
    HomeworkItemInputSerializer,
    HomeworkItemSerializer,
    NoHomeworkSerializer,
)

FILING_ROLES = frozenset({"city", "district", "school"})


class HomeworkItemViewSet(ScopedModelViewSet):
    """Homework items; POST files one item or a list of up to 5,000, all or nothing.

    Re-filing a class's subject for a day replaces all of that subject's items of
    the day, so send every item of a class-day-subject in the same request.
    Errors name the item: ``fields: {"row 3": {"minutes": [...]}}`` (1-based).
    """

    queryset = HomeworkItem.objects.all()
    serializer_class = HomeworkItemSerializer
    filterset_class = HomeworkItemFilterSet
    ordering_fields = ["date", "subject", "minutes"]
    write_roles = FILING_ROLES
    http_method_names = ["get", "post", "head", "options"]
    lookup_value_regex = r"\d+"
    schema_errors = {"POST": ("409",)}  # a concurrent filing of the same class-day won

    @extend_schema(
        request=HomeworkItemInputSerializer(many=True),
        responses={201: FilingResultSerializer, 400: OpenApiResponse(description="fields: {'row N': {field: [..]}}")},
    )
    def create(self, request, *args, **kwargs):
        data = request.data
        items = [data] if isinstance(data, dict) else data
        if not isinstance(items, list) or not items:
            raise ServiceError(_("请提交一条作业或作业列表"), fields={"items": [_("应为对象或非空列表")]})
        if len(items) > MAX_BATCH:
            raise ServiceError(
                _("一次最多填报 %(max)d 条作业，本次 %(n)d 条") % {"max": MAX_BATCH, "n": len(items)},
                fields={"items": [_("最多 %(max)d 条") % {"max": MAX_BATCH}]},
            )
        result = services.homework_file(user=request.user, items=items)
        return Response(result.as_dict(), status=status.HTTP_201_CREATED)


class HomeworkDayViewSet(ScopedReadOnlyViewSet):
    """The filing record of each class-day (published, no homework, when); POST files "no homework today"."""

    queryset = HomeworkDay.objects.all()
    serializer_class = HomeworkDaySerializer
    filterset_class = HomeworkDayFilterSet
    ordering_fields = ["date"]
    write_roles = FILING_ROLES
    http_method_names = ["get", "post", "head", "options"]
    schema_errors = {"POST": ("409",)}  # a concurrent filing of the same class-day won

    @extend_schema(request=NoHomeworkSerializer, responses={201: FilingResultSerializer})
    def create(self, request, *args, **kwargs):
        serializer = NoHomeworkSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        school_class, day = serializer.validated_data["school_class"], serializer.validated_data["date"]
        result = services.homework_file(user=request.user, items=[], whole_day=(school_class.pk, day))
        return Response(result.as_dict(), status=status.HTTP_201_CREATED)


class CompletionSurveyViewSet(ScopedModelViewSet):
    """Measured average completion times; they override the estimate in the minute rules."""

    queryset = CompletionSurvey.objects.all()
    serializer_class = CompletionSurveySerializer
    filterset_class = CompletionSurveyFilterSet
    ordering_fields = ["date"]
    write_roles = FILING_ROLES
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.survey_record(
            user=self.request.user,
            school_class_id=data["school_class"].pk,
            date=data["date"],
            subject=data["subject"],
            kind=data["kind"],
            measured_minutes=data["measured_minutes"],
            sample_size=data["sample_size"],
        )
