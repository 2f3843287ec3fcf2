from __future__ import annotations

import json

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from compliance import registry
from institutions.models import Institution
from schools.api.serializers import ScopedPrimaryKeyRelatedField
from schools.models import District, School

from ..choices import InspectionKind, ItemResult, SubjectType
from ..models import Inspection, InspectionItem, InspectionPhoto
from ..uploads import MAX_PHOTOS


class InspectionItemSerializer(serializers.ModelSerializer):
    finding_status = serializers.CharField(source="finding.status", read_only=True, allow_null=True, default=None)

    class Meta:
        model = InspectionItem
        fields = ["rule_id", "result", "note", "finding", "finding_status"]
        read_only_fields = fields


class InspectionPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = InspectionPhoto
        fields = ["id", "caption", "content_type", "size", "width", "height", "url"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return reverse("inspections:photo", args=[obj.inspection_id, obj.pk])


class InspectionSerializer(serializers.ModelSerializer):
    district = serializers.SlugRelatedField(slug_field="code", read_only=True)
    subject_type = serializers.ChoiceField(choices=SubjectType.choices, read_only=True)
    subject = serializers.CharField(source="subject_label", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    items = InspectionItemSerializer(many=True, read_only=True)
    photos = InspectionPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "date",
            "district",
            "subject_type",
            "school",
            "institution",
            "place",
            "subject",
            "inspectors",
            "kind",
            "notes",
            "created_by",
            "created_at",
            "items",
            "photos",
        ]
        read_only_fields = fields


class ItemInputSerializer(serializers.Serializer):
    rule_id = serializers.CharField(max_length=32)
    result = serializers.ChoiceField(choices=ItemResult.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate_rule_id(self, value):
        if not registry.is_registered(value):
            raise serializers.ValidationError(_("规则目录中没有这个规则编号"))
        return value


@extend_schema_field(ItemInputSerializer(many=True))
class ItemsField(serializers.ListField):
    """The checklist: a JSON list, or (in a multipart request, beside the photos) the same list as JSON text."""

    def __init__(self, **kwargs):
        super().__init__(child=ItemInputSerializer(), min_length=1, max_length=200, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError(_("检查清单须为 JSON 列表")) from None
        if not isinstance(data, list):
            raise serializers.ValidationError(_("检查清单须为列表"))
        return super().to_internal_value(data)


class InspectionCreateSerializer(serializers.Serializer):
    """An inspection to record. ``items`` is the checklist; with ``multipart/form-data`` it is JSON text, and the
    request may carry ``photos`` (files) and ``captions`` (one per photo, in order)."""

    date = serializers.DateField()
    district = serializers.SlugRelatedField(slug_field="code", queryset=District.objects.all())
    school = ScopedPrimaryKeyRelatedField(queryset=School.objects.all(), required=False, allow_null=True)
    institution = ScopedPrimaryKeyRelatedField(queryset=Institution.objects.all(), required=False, allow_null=True)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    inspectors = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=InspectionKind.choices)
    notes = serializers.CharField(max_length=8000, required=False, allow_blank=True, default="")
    items = ItemsField()


class InspectionCreateMultipartSerializer(InspectionCreateSerializer):
    """The same, as ``multipart/form-data`` with photos (JPEG or PNG, at most 10 MB each)."""

    items = serializers.CharField(help_text="the checklist as JSON text: [{rule_id, result, note}, ...]")
    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=MAX_PHOTOS)
    captions = serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=True), required=False, max_length=MAX_PHOTOS
    )
