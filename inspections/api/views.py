"""The inspections API: list, retrieve, and record (thin: ``services.inspection_record`` does the work)."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from shuangjian.api import ScopedViewSetMixin

from .. import services
from ..filtersets import InspectionFilterSet
from ..models import Inspection, InspectionItem
from ..uploads import check_request_size
from .serializers import InspectionCreateMultipartSerializer, InspectionCreateSerializer, InspectionSerializer

CREATE_FIELDS = ("date", "district", "school", "institution", "place", "inspectors", "kind", "notes", "items")


class InspectionViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Inspections (督导检查): district staff see their district's, city staff all; a school or an institution the
    inspections of itself. POST (district staff in their own district, city staff) records one with its checklist,
    and raises a ``case`` finding for each line in violation; send JSON, or ``multipart/form-data`` with the
    checklist as JSON text in ``items`` and the photos in ``photos`` (with ``captions``, in order)."""

    queryset = (
        Inspection.objects.select_related("district", "school", "institution", "created_by")
        .prefetch_related(
            Prefetch("items", queryset=InspectionItem.objects.select_related("finding").order_by("rule_id")),
            "photos",
        )
        .order_by("-date", "-id")
    )
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilterSet
    ordering_fields = ["date", "created_at"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    write_roles = frozenset({"city", "district"})
    schema_errors = {"POST": ("413",)}

    @extend_schema(
        request={
            "application/json": InspectionCreateSerializer,
            "multipart/form-data": InspectionCreateMultipartSerializer,
        },
        responses={201: InspectionSerializer},
        examples=[
            OpenApiExample(
                "two violations found at a school",
                request_only=True,
                media_type="application/json",
                value={
                    "date": "2026-11-10",
                    "district": "110101",
                    "school": 1,
                    "inspectors": "张明、李华",
                    "kind": "special",
                    "items": [
                        {"rule_id": "SC-20-RANKING", "result": "violation", "note": "公告栏张贴期中考试排名"},
                        {"rule_id": "HW-4-GRADING", "result": "violation", "note": "抽查作业本未批改"},
                        {"rule_id": "AS-8-END", "result": "compliant"},
                    ],
                },
            )
        ],
    )
    def create(self, request):
        multipart = not isinstance(request.data, dict) or hasattr(request.data, "getlist")
        if multipart:
            check_request_size(request)
            raw = {k: request.data.get(k) for k in CREATE_FIELDS if k in request.data}
        else:
            raw = request.data
        data = InspectionCreateSerializer(data=raw, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        photos = []
        if multipart:
            captions = request.data.getlist("captions")
            photos = [
                {"file": f, "caption": captions[i] if i < len(captions) else ""}
                for i, f in enumerate(request.FILES.getlist("photos"))
            ]
        inspection = services.inspection_record(
            actor=request.user,
            date=v["date"],
            district=v["district"],
            school=v.get("school"),
            institution=v.get("institution"),
            place=v["place"],
            inspectors=v["inspectors"],
            kind=v["kind"],
            notes=v["notes"],
            items=[dict(item) for item in v["items"]],
            photos=photos,
            request=request,
        )
        inspection = self.get_queryset().get(pk=inspection.pk)
        return Response(
            InspectionSerializer(inspection, context={"request": request}).data, status=status.HTTP_201_CREATED
        )
