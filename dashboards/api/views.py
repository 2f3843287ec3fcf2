"""The dashboards API: the figures of a district, the city and a school, scoped to the caller."""

import json

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.choices import Role
from accounts.permissions import IsCityStaff, IsStaffRole
from accounts.scoping import allows, is_city, restrict, role_of
from schools.models import District, School
from shuangjian.api import ScopedViewSetMixin
from shuangjian.errors import ForbiddenError

from .. import selectors, services
from ..caching import cached_json
from ..choices import ReportTransition
from ..filtersets import MonthlyReportFilterSet
from ..models import MonthlyReport
from . import serializers as s

QUERY = [
    OpenApiParameter("date_from", str, description="ISO date; default four weeks before date_to"),
    OpenApiParameter("date_to", str, description="ISO date; default today"),
    OpenApiParameter("stage", str, enum=[c[0] for c in s.Stage.choices]),
    OpenApiParameter("grade_band", str, enum=[c[0] for c in s.GradeBand.choices]),
]


def visible_district(user, code: str) -> District:
    """The district if the caller may see its dashboard (city: any; district staff: their own), else 404."""
    profile = role_of(user)
    own = profile.district if profile is not None and profile.district_id else None
    if own is not None and own.code == code and allows(user, own):
        return own  # loaded with the caller's profile: no query on the dashboards' hot path
    return get_object_or_404(restrict(District.objects.all(), user).distinct(), code=code)


def visible_school(user, pk) -> School:
    return get_object_or_404(restrict(School.objects.select_related("district"), user), pk=pk)


def audience(user) -> str:
    """The caller's role, part of a cached dashboard's key."""
    if is_city(user):
        return str(Role.CITY)
    profile = role_of(user)
    return profile.role if profile else ""


def dashboard_response(request, kind: str, ident, figures, *, district_id: int | None = None, in_parts=False):
    """The dashboard ``figures(filters, topics)`` counts, as JSON from the cache when it is current (see
    ``caching``). ``in_parts``: a district or city dashboard, cached as its complaints and the rest, for which
    ``figures`` counts the parts of ``topics`` (``selectors.district_dashboard_parts``); otherwise ``topics`` is
    None and ``figures`` counts the whole dashboard.

    Call it only after the caller's scope has been checked: the key names the
    scope (``kind``, ``ident``) and the caller's role, not the caller. The key
    holds the filter parameters as sent: only parameters that were valid
    (today) are ever cached, so a hit needs no validation. ``district_id``: the
    district whose figures these are (``None``: the city's).
    """
    params = tuple(request.query_params.get(name, "") for name in s.FILTER_PARAMS)
    body, cache_status = cached_json(
        kind,
        ident,
        audience(request.user),
        params,
        lambda topics: figures(s.filters_from(request.query_params), topics),
        district_id=district_id,
        parts=selectors.dashboard_from_parts if in_parts else None,
    )
    if request.accepted_renderer.format == "json":
        response = HttpResponse(body, content_type="application/json")
    else:
        response = Response(json.loads(body))  # the browsable API renders the same figures as a page
    response["Cache-Status"] = cache_status
    return response


def district_dashboard_visible(user, code: str) -> District:
    """District dashboards are for city and district staff: a school or institution user gets 404."""
    profile = role_of(user)
    if not is_city(user) and (profile is None or profile.role != Role.DISTRICT):
        raise Http404
    return visible_district(user, code)


class DistrictDashboardView(APIView):
    permission_classes = [IsStaffRole]

    @extend_schema(parameters=QUERY, responses=s.DistrictDashboardSerializer, tags=["dashboards"])
    def get(self, request, code):
        district = district_dashboard_visible(request.user, code)
        return dashboard_response(
            request,
            "district",
            district.pk,
            lambda filters, topics: selectors.district_dashboard_parts(
                district=district, filters=filters, user=request.user, topics=topics
            ),
            district_id=district.pk,
            in_parts=True,
        )


class DistrictSchoolsView(APIView):
    """The drill-down from a district to its schools."""

    permission_classes = [IsStaffRole]

    @extend_schema(parameters=QUERY, responses=s.SchoolRowSerializer(many=True), tags=["dashboards"])
    def get(self, request, code):
        district = district_dashboard_visible(request.user, code)
        return dashboard_response(
            request,
            "district-schools",
            district.pk,
            lambda filters, _topics: selectors.district_schools(district=district, filters=filters),
            district_id=district.pk,
        )


FINAL = OpenApiParameter(
    "final",
    str,
    enum=["1"],
    description=(
        "1: published figures only: the calendar month of date_to (date_from, stage and grade_band are ignored), "
        "each district's row from its accepted monthly report as frozen, districts not accepted left out and "
        "listed in final.pending, the city totals added up from the accepted rows (p90, median and weeks empty)"
    ),
)


def wants_final(query_params) -> bool:
    return query_params.get("final") in ("1", "true")


class CityDashboardView(APIView):
    permission_classes = [IsCityStaff]

    @extend_schema(parameters=[*QUERY, FINAL], responses=s.CityFinalDashboardSerializer, tags=["dashboards"])
    def get(self, request):
        if wants_final(request.query_params):
            # not cached: an acceptance changes it without touching the summary tables the cache follows
            filters = s.filters_from(request.query_params)
            return Response(selectors.city_final_dashboard(month=filters.date_to, user=request.user))
        return dashboard_response(
            request,
            "city",
            "",
            lambda filters, topics: selectors.city_dashboard_parts(filters=filters, user=request.user, topics=topics),
            in_parts=True,
        )


class SchoolDashboardView(APIView):
    permission_classes = [IsStaffRole]

    @extend_schema(parameters=QUERY, responses=s.SchoolDashboardSerializer, tags=["dashboards"])
    def get(self, request, pk):
        school = visible_school(request.user, pk)
        return dashboard_response(
            request,
            "school",
            school.pk,
            lambda filters, _topics: selectors.school_dashboard(school=school, filters=filters, user=request.user),
            district_id=school.district_id,
        )


# -- monthly district reports ------------------------------------------------------------------------------------


class IsBureauStaff(BasePermission):
    """City and district bureau staff: monthly reports are between the district bureaus and the city."""

    message = "仅限市、区教委工作人员 / City and district bureau staff only."

    def has_permission(self, request, view):
        profile = role_of(request.user)
        return is_city(request.user) or bool(profile and profile.role == Role.DISTRICT)


class MonthlyReportViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Monthly district reports (区月报): POST freezes a month of the caller's district (a draft); the actions
    ``refresh`` and ``submit`` are the district's, ``accept``, ``return`` (with ``reason``) and ``reopen`` (with
    ``reason``) the city's. A step from the wrong state is a 409; a step that is not the caller's role's a 403."""

    queryset = MonthlyReport.objects.select_related("district", "frozen_by", "submitted_by", "accepted_by")
    serializer_class = s.MonthlyReportSerializer
    filterset_class = MonthlyReportFilterSet
    ordering_fields = ["month", "state", "submitted_at"]
    ordering = ["-month", "district__code"]
    permission_classes = [IsBureauStaff]
    write_roles = frozenset({"city", "district"})
    schema_errors = {"POST": ("403", "404", "409")}

    def get_serializer_class(self):
        return s.MonthlyReportSerializer if self.action == "list" else s.MonthlyReportDetailSerializer

    def _detail(self, report, status_code=status.HTTP_200_OK):
        report = self.get_queryset().get(pk=report.pk)
        return Response(s.MonthlyReportDetailSerializer(report).data, status=status_code)

    @extend_schema(request=s.MonthlyReportCreateSerializer, responses={201: s.MonthlyReportDetailSerializer})
    def create(self, request):
        data = s.MonthlyReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = role_of(request.user)
        if profile is None or profile.role != Role.DISTRICT:
            raise ForbiddenError(_("只有区教委工作人员可以汇总本区月报"))
        report = services.report_freeze(
            actor=request.user, district=profile.district, month=data.validated_data["month"], request=request
        )
        return self._detail(report, status.HTTP_201_CREATED)

    def _step(self, request, transition):
        report = self.get_object()
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.report_transition(
            transition=transition,
            actor=request.user,
            report=report,
            reason=data.validated_data["reason"],
            request=request,
        )
        return self._detail(report)

    @extend_schema(request=None, responses={200: s.MonthlyReportDetailSerializer})
    @action(detail=True, methods=["post"])
    def refresh(self, request, pk=None):
        return self._step(request, ReportTransition.REFRESH)

    @extend_schema(request=None, responses={200: s.MonthlyReportDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._step(request, ReportTransition.SUBMIT)

    @extend_schema(request=None, responses={200: s.MonthlyReportDetailSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._step(request, ReportTransition.ACCEPT)

    @extend_schema(request=s.ReasonSerializer, responses={200: s.MonthlyReportDetailSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        return self._step(request, ReportTransition.RETURN)

    @extend_schema(request=s.ReasonSerializer, responses={200: s.MonthlyReportDetailSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._step(request, ReportTransition.REOPEN)
