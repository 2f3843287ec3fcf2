"""The complaints API: public submission, tracking and target search; the staff inbox and workflow."""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scoping import is_city, role_of
from institutions.models import Institution
from schools.models import School
from shuangjian.api import ScopedViewSetMixin

from ..choices import Channel
from ..filtersets import ComplaintFilterSet
from ..models import ComplaintEvent
from ..selectors import complaint_inbox, complaint_track, public_status
from ..services import (
    complaint_contact_reveal,
    complaint_match_teacher,
    complaint_reopen,
    complaint_reroute,
    complaint_submit,
    complaint_transition,
)
from ..throttling import PublicRateThrottle, throttled_message
from ..uploads import check_request_size
from .serializers import (
    ComplaintCreateSerializer,
    ComplaintDetailSerializer,
    ComplaintSerializer,
    InstitutionTargetSerializer,
    MatchTeacherSerializer,
    ReopenSerializer,
    RerouteSerializer,
    SchoolTargetSerializer,
    TrackSerializer,
    TransitionSerializer,
)


def _is_bureau(user) -> bool:
    profile = role_of(user)
    return is_city(user) or bool(profile and profile.role == "district")


class PublicThrottleMixin:
    """A per-address limit with a clear message in Chinese and English."""

    def throttled(self, request, wait):
        raise Throttled(wait=wait, detail=throttled_message(wait))


class ComplaintViewSet(
    PublicThrottleMixin, ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """``POST`` is public (a complaint, answered with its tracking code and one-time secret); the rest is staff."""

    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilterSet
    ordering_fields = ["received_at", "accept_due", "resolve_due", "occurred_on"]
    write_roles = frozenset({"city", "district"})
    # photos over the size limit; a state changed by someone else meanwhile
    schema_errors = {"POST": ("409", "413")}

    def get_queryset(self):
        qs = complaint_inbox(user=self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related(Prefetch("events", queryset=ComplaintEvent.objects.order_by("at", "id")))
        return qs

    def get_serializer_class(self):
        return {
            "create": ComplaintCreateSerializer,
            "retrieve": ComplaintDetailSerializer,
            "transition": TransitionSerializer,
            "reroute": RerouteSerializer,
            "match_teacher": MatchTeacherSerializer,
        }.get(self.action, ComplaintSerializer)

    def get_permissions(self):
        if self.action == "create":
            return [AllowAny()]
        return super().get_permissions()

    def get_throttles(self):
        # bureau staff entering hotline complaints are not the public: no per-address limit for them
        if self.action == "create" and not _is_bureau(self.request.user):
            self.throttle_scope = "public_submit"
            return [PublicRateThrottle()]
        return super().get_throttles()

    @extend_schema(request=ComplaintCreateSerializer, responses={201: OpenApiTypes.OBJECT})
    def create(self, request, *args, **kwargs):
        check_request_size(request)
        serializer = ComplaintCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        user = request.user
        staff = _is_bureau(user)
        channel = data.pop("channel", None) or Channel.WEB
        if not staff:
            channel = Channel.WEB
        complaint, secret = complaint_submit(
            channel=channel, actor=user if staff else None, photos=data.pop("photos", []), request=request, **data
        )
        return Response(
            {
                "tracking_code": complaint.tracking_code,
                "secret": secret,
                "state": complaint.state,
                "received_on": complaint.received_on,
                "accept_due": complaint.accept_due,
                "message": _("请妥善保存查询码和查询密码：密码只显示这一次。"),
            },
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=TransitionSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        complaint = self.get_object()
        s = TransitionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        complaint = complaint_transition(complaint=complaint, actor=request.user, request=request, **s.validated_data)
        return Response(ComplaintSerializer(complaint).data)

    @extend_schema(request=RerouteSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def reroute(self, request, pk=None):
        complaint = self.get_object()
        s = RerouteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        complaint = complaint_reroute(complaint=complaint, actor=request.user, request=request, **s.validated_data)
        return Response(ComplaintSerializer(complaint).data)

    @extend_schema(request=MatchTeacherSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="match-teacher")
    def match_teacher(self, request, pk=None):
        """Link the complaint to the serving teacher staff identified."""
        complaint = self.get_object()
        s = MatchTeacherSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        complaint = complaint_match_teacher(
            complaint=complaint, actor=request.user, request=request, **s.validated_data
        )
        return Response(ComplaintSerializer(complaint).data)

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"])
    def contact(self, request, pk=None):
        """The full contact details, for the staff handling the complaint; recorded."""
        complaint = self.get_object()
        return Response(complaint_contact_reveal(complaint=complaint, user=request.user, request=request))


class _PublicView(PublicThrottleMixin):
    permission_classes = [AllowAny]
    throttle_classes = [PublicRateThrottle]
    throttle_scope = "public_read"
    schema_errors = ("404",)  # an unknown tracking code or a wrong secret


class TrackView(_PublicView, APIView):
    """``POST {tracking_code, secret}``: the status and the public part of the timeline."""

    @extend_schema(request=TrackSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        s = TrackSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        complaint = complaint_track(**s.validated_data)
        if complaint is None:
            raise NotFound("查询码或查询密码不正确 / Unknown tracking code or wrong secret")
        return Response(public_status(complaint))


class ReopenView(_PublicView, APIView):
    """``POST {tracking_code, secret, note}``: the complainant asks, once, for the complaint to be looked at again."""

    throttle_scope = "public_submit"
    schema_errors = ("404", "409")  # as tracking; the state changed meanwhile

    @extend_schema(request=ReopenSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        s = ReopenSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        complaint = complaint_track(tracking_code=s.validated_data["tracking_code"], secret=s.validated_data["secret"])
        if complaint is None:
            raise NotFound("查询码或查询密码不正确 / Unknown tracking code or wrong secret")
        complaint = complaint_reopen(complaint=complaint, note=s.validated_data.get("note", ""))
        return Response(public_status(complaint))


class NameSearchFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="name contains")


class InstitutionTargetFilterSet(NameSearchFilterSet):
    class Meta:
        model = Institution
        fields = ["q"]


class SchoolTargetFilterSet(NameSearchFilterSet):
    class Meta:
        model = School
        fields = ["q"]


class _TargetSearch(_PublicView, ListAPIView):
    """Up to 20 names matching ``?q=`` (id, name, district only)."""

    pagination_class = None
    limit = 20

    def list(self, request, *args, **kwargs):
        if not (request.query_params.get("q") or "").strip():
            return Response([])
        qs = self.filter_queryset(self.get_queryset())[: self.limit]
        return Response(self.get_serializer(qs, many=True).data)


class InstitutionTargetView(_TargetSearch):
    queryset = Institution.objects.select_related("district").order_by("name")
    serializer_class = InstitutionTargetSerializer
    filterset_class = InstitutionTargetFilterSet


class SchoolTargetView(_TargetSearch):
    queryset = School.objects.select_related("district").order_by("name")
    serializer_class = SchoolTargetSerializer
    filterset_class = SchoolTargetFilterSet
