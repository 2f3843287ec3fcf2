from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from shuangjian.api import ScopedModelViewSet, ScopedReadOnlyViewSet
from shuangjian.errors import ServiceError
from shuangjian.throttling import FailsafeScopedRateThrottle

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


def _import_response(request, importer):
    """Run an import on the uploaded ``file``; 400 with ``fields`` keyed "row N" when any row is wrong."""
    upload = request.FILES.get("file")
    if upload is None:
        raise ServiceError(_("请上传文件"), fields={"file": [_("必填")]})
    report = importer(upload)
    if not report.ok:
        fields: dict[str, list] = {}
        for e in report.errors:
            fields.setdefault(f"row {e['row']}", []).append(f"{e['field']}: {e['message']}")
        raise ServiceError(
            _("文件中有 %(n)d 处错误，未保存任何数据") % {"n": len(report.errors)}, code="import_invalid", fields=fields
        )
    return Response({"created": report.created, "updated": report.updated}, status=status.HTTP_201_CREATED)


class InstitutionViewSet(ScopedModelViewSet):
    """Institutions in the caller's scope; an institution user reads only its own and changes none of it here."""

    queryset = Institution.objects.select_related("district")
    serializer_class = s.InstitutionSerializer
    filterset_class = fs.InstitutionFilterSet
    ordering_fields = ["name", "credit_code", "approved_on", "updated_at"]
    write_roles = STAFF
    http_method_names = CONTRACT_METHODS

    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_file(self, request):
        """Create or update institutions by credit code from an xlsx/CSV ``file``: every row or none."""
        from ..imports import institution_import

        return _import_response(
            request, lambda f: institution_import(user=request.user, file=f, file_name=f.name, request=request)
        )


class AuditedRecordViewSet(ScopedModelViewSet):
    """A sub-record's viewset: creates go through ``services.record_save``, changes through ``services.record_change``
    (a new owner is a checked move; both record the audit trail); no delete."""

    http_method_names = CONTRACT_METHODS

    def perform_create(self, serializer):
        from ..services import record_save

        record_save(user=self.request.user, save=serializer.save, before=None, request=self.request)

    def perform_update(self, serializer):
        from ..services import record_change, record_owner_field

        # the owner (institution, or course) decides who sees the record: a change of it is a move, checked and
        # recorded by the service, not a field the serializer writes
        owner = serializer.validated_data.pop(record_owner_field(serializer.instance), None)
        record_change(
            user=self.request.user, record=serializer.instance, save=serializer.save, owner=owner, request=self.request
        )


class SiteViewSet(AuditedRecordViewSet):
    queryset = Site.objects.all()
    serializer_class = s.SiteSerializer
    filterset_class = fs.SiteFilterSet
    ordering_fields = ["address", "approved_on"]
    write_roles = STAFF


class TrainerViewSet(AuditedRecordViewSet):
    queryset = Trainer.objects.all()
    serializer_class = s.TrainerSerializer
    filterset_class = fs.TrainerFilterSet
    ordering_fields = ["name"]
    write_roles = STAFF_AND_INSTITUTION


class ForeignStaffViewSet(AuditedRecordViewSet):
    queryset = ForeignStaff.objects.all()
    serializer_class = s.ForeignStaffSerializer
    filterset_class = fs.ForeignStaffFilterSet
    ordering_fields = ["name"]
    write_roles = STAFF_AND_INSTITUTION


class CourseViewSet(AuditedRecordViewSet):
    queryset = Course.objects.prefetch_related("trainers")
    serializer_class = s.CourseSerializer
    filterset_class = fs.CourseFilterSet
    ordering_fields = ["name", "subject", "price_per_lesson"]
    write_roles = STAFF_AND_INSTITUTION


class SessionViewSet(AuditedRecordViewSet):
    queryset = Session.objects.select_related("course")
    serializer_class = s.SessionSerializer
    filterset_class = fs.SessionFilterSet
    ordering_fields = ["starts_at", "ends_at"]
    write_roles = STAFF_AND_INSTITUTION

    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_file(self, request):
        """Add a schedule (sessions) from an xlsx/CSV ``file`` for courses in the caller's scope: every row or none."""
        from ..imports import session_import

        return _import_response(
            request, lambda f: session_import(user=request.user, file=f, file_name=f.name, request=request)
        )


class EnrolmentFilingViewSet(AuditedRecordViewSet):
    queryset = EnrolmentFiling.objects.all()
    serializer_class = s.EnrolmentFilingSerializer
    filterset_class = fs.EnrolmentFilingFilterSet
    ordering_fields = ["filed_on", "enrolment_opens_on"]
    write_roles = STAFF


class PrepaymentViewSet(AuditedRecordViewSet):
    queryset = Prepayment.objects.all()
    serializer_class = s.PrepaymentSerializer
    filterset_class = fs.PrepaymentFilterSet
    ordering_fields = ["paid_on", "amount"]
    write_roles = STAFF


class DisclosureViewSet(AuditedRecordViewSet):
    queryset = Disclosure.objects.all()
    serializer_class = s.DisclosureSerializer
    filterset_class = fs.DisclosureFilterSet
    ordering_fields = ["item", "updated_on"]
    write_roles = STAFF_AND_INSTITUTION


class ListStatusChangeViewSet(ScopedReadOnlyViewSet):
    """The white/black list history (changes are made through the institution's ``list_status``)."""

    queryset = ListStatusChange.objects.select_related("actor")
    serializer_class = s.ListStatusChangeSerializer
    filterset_class = fs.ListStatusChangeFilterSet
    ordering_fields = ["effective_on", "at"]


# --- public look-up -------------------------------------------------------------------------------------


class PublicReadThrottle(FailsafeScopedRateThrottle):
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
            detail=_("查询过于频繁，请 %(s)d 秒后再试 / Too many look-ups, please retry in %(s)d seconds")
            % {"s": seconds},
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
