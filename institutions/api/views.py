from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import AllowAny
from rest_framework.throttling import ScopedRateThrottle

from shuangjian.api import ScopedModelViewSet, ScopedReadOnlyViewSet

from .. import filtersets as fs
from ..models import (
    Course,
    Disclosure,
    EnrolmentFiling,
    ForeignStaff,
    Institution,
    ListStatusChange,
    Prepayment,
    Session,
    Site,
    Trainer,
)
from ..selectors import public_institution, public_search
from . import serializers as s

STAFF = frozenset({"city", "district"})
STAFF_AND_INSTITUTION = frozenset({"city", "district", "institution"})
CONTRACT_METHODS = ["get", "post", "patch", "head", "options"]


class InstitutionViewSet(ScopedModelViewSet):
    """Institutions in the caller's scope; an institution user reads only its own and changes none of it here."""

    queryset = Institution.objects.select_related("district")
    serializer_class = s.InstitutionSerializer
    filterset_class = fs.InstitutionFilterSet
    ordering_fields = ["name", "credit_code", "approved_on", "updated_at"]
    write_roles = STAFF
    http_method_names = CONTRACT_METHODS


class SiteViewSet(ScopedModelViewSet):
    queryset = Site.objects.all()
    serializer_class = s.SiteSerializer
    filterset_class = fs.SiteFilterSet
    ordering_fields = ["address", "approved_on"]
    write_roles = STAFF
    http_method_names = CONTRACT_METHODS


class TrainerViewSet(ScopedModelViewSet):
    queryset = Trainer.objects.all()
    serializer_class = s.TrainerSerializer
    filterset_class = fs.TrainerFilterSet
    ordering_fields = ["name"]
    write_roles = STAFF_AND_INSTITUTION
    http_method_names = CONTRACT_METHODS


class ForeignStaffViewSet(ScopedModelViewSet):
    queryset = ForeignStaff.objects.all()
    serializer_class = s.ForeignStaffSerializer
    filterset_class = fs.ForeignStaffFilterSet
    ordering_fields = ["name"]
    write_roles = STAFF_AND_INSTITUTION
    http_method_names = CONTRACT_METHODS


class CourseViewSet(ScopedModelViewSet):
    queryset = Course.objects.prefetch_related("trainers")
    serializer_class = s.CourseSerializer
    filterset_class = fs.CourseFilterSet
    ordering_fields = ["name", "subject", "price_per_lesson"]
    write_roles = STAFF_AND_INSTITUTION
    http_method_names = CONTRACT_METHODS


class SessionViewSet(ScopedModelViewSet):
    queryset = Session.objects.select_related("course")
    serializer_class = s.SessionSerializer
    filterset_class = fs.SessionFilterSet
    ordering_fields = ["starts_at", "ends_at"]
    write_roles = STAFF_AND_INSTITUTION
    http_method_names = CONTRACT_METHODS


class EnrolmentFilingViewSet(ScopedModelViewSet):
    queryset = EnrolmentFiling.objects.all()
    serializer_class = s.EnrolmentFilingSerializer
    filterset_class = fs.EnrolmentFilingFilterSet
    ordering_fields = ["filed_on", "enrolment_opens_on"]
    write_roles = STAFF
    http_method_names = CONTRACT_METHODS


class PrepaymentViewSet(ScopedModelViewSet):
    queryset = Prepayment.objects.all()
    serializer_class = s.PrepaymentSerializer
    filterset_class = fs.PrepaymentFilterSet
    ordering_fields = ["paid_on", "amount"]
    write_roles = STAFF
    http_method_names = CONTRACT_METHODS


class DisclosureViewSet(ScopedModelViewSet):
    queryset = Disclosure.objects.all()
    serializer_class = s.DisclosureSerializer
    filterset_class = fs.DisclosureFilterSet
    ordering_fields = ["item", "updated_on"]
    write_roles = STAFF_AND_INSTITUTION
    http_method_names = CONTRACT_METHODS


class ListStatusChangeViewSet(ScopedReadOnlyViewSet):
    """The white/black list history (changes are made through the institution's ``list_status``)."""

    queryset = ListStatusChange.objects.select_related("actor")
    serializer_class = s.ListStatusChangeSerializer
    filterset_class = fs.ListStatusChangeFilterSet
    ordering_fields = ["effective_on", "at"]


# --- public look-up -------------------------------------------------------------------------------------


class PublicReadThrottle(ScopedRateThrottle):
    scope_attr = "throttle_scope"


class PublicLookupMixin:
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicReadThrottle]
    throttle_scope = "public_read"
    pagination_class = None
    filter_backends: list = []

    def throttled(self, request, wait):
        seconds = int(wait or 60)
        raise exceptions.Throttled(
            wait=wait,
            detail=_("查询过于频繁，请 %(s)d 秒后再试 / Too many look-ups, please retry in %(s)d seconds") % {"s": seconds},
        )


class PublicInstitutionSearchView(PublicLookupMixin, ListAPIView):
    """Search institutions by name or credit code (at least 2 characters); no login needed."""

    serializer_class = s.PublicInstitutionBriefSerializer

    def get_queryset(self):
        return public_search(self.request.query_params.get("q", ""))


class PublicInstitutionDetailView(PublicLookupMixin, RetrieveAPIView):
    """One institution's public card: licence, list status, approved sites, disclosed teachers and courses."""

    serializer_class = s.PublicInstitutionSerializer

    def get_object(self):
        card = public_institution(self.kwargs["credit_code"])
        if card is None:
            raise exceptions.NotFound(_("未找到该机构 / No such institution"))
        return card
