"""The compliance API: the rule catalogue, parameters, runs and findings (thin: services do the work)."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from accounts.scoping import is_city, role_of
from shuangjian.api import ScopedModelViewSet, ScopedViewSetMixin
from shuangjian.pagination import StandardPagination

from .. import selectors, services
from ..choices import SUBJECT_STATUSES, RunTrigger
from ..filtersets import FindingFilterSet, RuleParameterFilterSet, RunFilterSet
from ..models import ComplianceRun, Finding, FindingEvent, RuleParameter
from .serializers import (
    FindingCaseSerializer,
    FindingDetailSerializer,
    FindingSerializer,
    FindingStatusSerializer,
    RuleParameterSerializer,
    RuleSerializer,
    RunCreateSerializer,
    RunSerializer,
)

RULE_FILTERS = [
    OpenApiParameter("on", str, description="date the parameters are in force (default today)"),
    OpenApiParameter("kind", str, enum=["auto", "case"]),
    OpenApiParameter("subject", str),
    OpenApiParameter("article", int),
]


class RuleViewSet(viewsets.GenericViewSet):
    """The rule catalogue with the parameters in force today (``?on=YYYY-MM-DD`` for another date)."""

    serializer_class = RuleSerializer
    pagination_class = StandardPagination
    filter_backends: list = []
    lookup_value_regex = r"[A-Za-z0-9_.-]+"

    def _rules(self, request):
        from django.utils.dateparse import parse_date

        on = parse_date(request.query_params.get("on") or "") or timezone.localdate()
        article = request.query_params.get("article")
        return selectors.rule_catalogue(
            on=on,
            language=getattr(request, "LANGUAGE_CODE", None),
            kind=request.query_params.get("kind"),
            subject=request.query_params.get("subject"),
            article=int(article) if (article or "").isdigit() else None,
        )

    @extend_schema(parameters=RULE_FILTERS)
    def list(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(self._rules(request), request, view=self)
        return paginator.get_paginated_response(page)

    @extend_schema(parameters=RULE_FILTERS[:1])
    def retrieve(self, request, pk=None):
        for r in self._rules(request):
            if r["id"] == pk:
                return Response(r)
        raise NotFound("未登记的规则编号 / no such rule")


class RuleParameterViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Dated parameter values; city staff add a new dated row (rows are never edited: they are the history)."""

    queryset = RuleParameter.objects.select_related("created_by").order_by("key", "effective_from")
    serializer_class = RuleParameterSerializer
    filterset_class = RuleParameterFilterSet
    ordering_fields = ["key", "effective_from"]
    write_roles = frozenset({"city"})
    schema_errors = {"POST": ("409",)}  # a value from that date exists already

    def get_queryset(self):
        return self.queryset.all()  # parameters are public policy: every staff role may read them

    def perform_create(self, serializer):
        serializer.instance = services.parameter_create(
            actor=self.request.user, request=self.request, **serializer.validated_data
        )


class RunViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Sweeps: POST starts one and returns at once (202); GET shows its state, progress and counts."""

    queryset = ComplianceRun.objects.select_related("started_by")
    serializer_class = RunSerializer
    filterset_class = RunFilterSet
    ordering_fields = ["created_at", "state"]
    write_roles = frozenset({"city", "district"})
    schema_errors = {"POST": ("404",)}  # a district outside the caller's scope

    @extend_schema(request=RunCreateSerializer, responses={202: RunSerializer})
    def create(self, request):
        data = RunCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        codes = data.validated_data["district_codes"]
        if not is_city(request.user):
            own = role_of(request.user).district.code
            if codes and set(codes) != {own}:
                raise NotFound("没有找到该区 / no such district in your scope")
            codes = [own]
        run = services.run_start(
            date_from=data.validated_data["date_from"],
            date_to=data.validated_data["date_to"],
            district_codes=codes or None,
            rule_ids=data.validated_data["rule_ids"] or None,
            trigger=RunTrigger.API,
            started_by=request.user,
        )
        return Response(RunSerializer(run, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class FindingViewSet(ScopedModelViewSet):
    """Findings, scoped by role; PATCH ``{status, reason}`` changes the status; POST records a case."""

    queryset = Finding.objects.select_related("district", "school", "institution")
    serializer_class = FindingSerializer
    filterset_class = FindingFilterSet
    ordering_fields = ["period_start", "last_seen", "status", "rule_id"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    write_roles = frozenset({"city", "district", "school", "institution"})
    # a case in another district; a status changed by someone else meanwhile
    schema_errors = {"POST": ("404",), "PATCH": ("409",)}

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "retrieve":
            from django.db.models import Prefetch

            qs = qs.prefetch_related(
                Prefetch("events", queryset=FindingEvent.objects.select_related("actor").order_by("at", "id"))
            )
        return qs

    def get_serializer_class(self):
        return FindingDetailSerializer if self.action == "retrieve" else FindingSerializer

    def _bureau(self):
        profile = role_of(self.request.user)
        return is_city(self.request.user) or (profile is not None and profile.role == "district")

    @extend_schema(request=FindingCaseSerializer, responses={201: FindingDetailSerializer})
    def create(self, request):
        if not self._bureau():
            raise PermissionDenied("只有市、区教委工作人员可以立案 / only bureau staff record cases")
        data = FindingCaseSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if not is_city(request.user) and v["district"].pk != role_of(request.user).district_id:
            raise NotFound("没有找到该区 / no such district in your scope")
        finding = services.finding_create_case(
            rule_id=v["rule_id"],
            district=v["district"],
            actor=request.user,
            evidence=v.get("evidence") or {},
            summary=v["summary"],
            date=v.get("date"),
            school=v.get("school"),
            school_class=v.get("school_class"),
            teacher=v.get("teacher"),
            institution=v.get("institution"),
            request=request,
        )
        return Response(self._detail(finding), status=status.HTTP_201_CREATED)

    @extend_schema(request=FindingStatusSerializer, responses={200: FindingDetailSerializer})
    def partial_update(self, request, pk=None):
        finding = self.get_object()
        data = FindingStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new_status = data.validated_data["status"]
        if not self._bureau() and new_status not in SUBJECT_STATUSES:
            raise PermissionDenied(
                "学校或机构只能标记“整改中”；整改完成请在整改通知中提交整改报告 / you may only mark it rectifying; "
                "answer the rectification notice with a report"
            )
        services.finding_set_status(
            finding=finding,
            status=new_status,
            actor=request.user,
            reason=data.validated_data["reason"],
            request=request,
        )
        return Response(self._detail(finding))

    def _detail(self, finding):
        finding = (
            self.get_queryset()
            .model.objects.select_related("district", "school", "institution")
            .prefetch_related("events__actor")
            .get(pk=finding.pk)
        )
        return FindingDetailSerializer(finding, context={"request": self.request}).data
