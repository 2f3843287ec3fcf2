"""The dashboards API: the figures of a district, the city and a school, scoped to the caller."""

import json

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.choices import Role
from accounts.permissions import IsCityStaff, IsStaffRole
from accounts.scoping import allows, is_city, restrict, role_of
from schools.models import District, School

from .. import selectors
from ..caching import cached_json
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


def dashboard_response(request, kind: str, ident, figures, *, district_id: int | None = None):
    """The dashboard ``figures(filters)`` counts, as JSON from the cache when it is current (see ``caching``).

    Call it only after the caller's scope has been checked: the key names the
    scope (``kind``, ``ident``) and the caller's role, not the caller. The key
    holds the filter parameters as sent: only parameters that were valid
    (today) are ever cached, so a hit needs no validation. ``district_id``: the
    district whose figures these are (``None``: the city's).
    """
    params = tuple(request.query_params.get(name, "") for name in s.FILTER_PARAMS)
    body = cached_json(
        kind,
        ident,
        audience(request.user),
        params,
        lambda: figures(s.filters_from(request.query_params)),
        district_id=district_id,
    )
    if request.accepted_renderer.format == "json":
        return HttpResponse(body, content_type="application/json")
    return Response(json.loads(body))  # the browsable API renders the same figures as a page


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
            lambda filters: selectors.district_dashboard(district=district, filters=filters, user=request.user),
            district_id=district.pk,
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
            lambda filters: selectors.district_schools(district=district, filters=filters),
            district_id=district.pk,
        )


class CityDashboardView(APIView):
    permission_classes = [IsCityStaff]

    @extend_schema(parameters=QUERY, responses=s.CityDashboardSerializer, tags=["dashboards"])
    def get(self, request):
        return dashboard_response(
            request, "city", "", lambda filters: selectors.city_dashboard(filters=filters, user=request.user)
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
            lambda filters: selectors.school_dashboard(school=school, filters=filters, user=request.user),
            district_id=school.district_id,
        )
