from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from institutions.models import Institution
from schools.api.serializers import ScopedPrimaryKeyRelatedField
from schools.models import District, School, SchoolClass, SchoolTeacher

from .. import registry, selectors
from ..choices import FindingStatus, ReportDecision
from ..models import (
    ComplianceRun,
    Finding,
    FindingEvent,
    RectificationNotice,
    RectificationReport,
    ReportAttachment,
    RuleParameter,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _language(serializer):
    request = serializer.context.get("request")
    return getattr(request, "LANGUAGE_CODE", None) if request is not None else None


class RuleParameterSerializer(serializers.ModelSerializer):
    created_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = RuleParameter
        fields = ["id", "key", "value", "effective_from", "source", "created_by", "created_at"]
        read_only_fields = ["created_by", "created_at"]
        # the (key, effective_from) uniqueness is reported by the service as a 409
        validators: list = []


class RuleParamInForceSerializer(serializers.Serializer):
    key = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    effective_from = serializers.DateField(allow_null=True)
    # the metaclass takes declared fields off the class; the stubs see Field's own ``source`` attribute
    source = serializers.CharField()  # type: ignore[assignment]


class RuleSerializer(serializers.Serializer):
    """A registered rule (for the schema; the catalogue is built by ``selectors.rule_catalogue``)."""

    id = serializers.CharField()
    article = serializers.IntegerField()
    title_zh = serializers.CharField()
    title_en = serializers.CharField()
    title = serializers.CharField()
    hint = serializers.CharField()
    hint_zh = serializers.CharField()
    hint_en = serializers.CharField()
    severity = serializers.CharField()
    subject = serializers.CharField()
    kind = serializers.CharField()
    dated = serializers.BooleanField()
    params = RuleParamInForceSerializer(many=True)


class RunCalendarGapSerializer(serializers.Serializer):
    """A year the run could not check because the holiday calendar does not know it."""

    year = serializers.IntegerField()
    districts = serializers.ListField(child=serializers.CharField(), help_text="district codes")
    enter_url = serializers.CharField(help_text="the page where city staff enter the year's statutory holidays")


class RunSerializer(serializers.ModelSerializer):
    progress = serializers.FloatField(read_only=True)
    started_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    calendar_gaps = serializers.SerializerMethodField(
        help_text="the years the run met a calendar gap for (from its errors whose code is calendar_gap)"
    )

    class Meta:
        model = ComplianceRun
        fields = [
            "id",
            "trigger",
            "state",
            "progress",
            "parts_total",
            "parts_done",
            "new_count",
            "still_open_count",
            "cleared_count",
            "errors",
            "calendar_gaps",
            "date_from",
            "date_to",
            "district_codes",
            "rule_ids",
            "school_ids",
            "started_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(RunCalendarGapSerializer(many=True))
    def get_calendar_gaps(self, run) -> list[dict]:
        return selectors.run_calendar_gaps(run)


class RunCreateSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    district_codes = serializers.ListField(child=serializers.CharField(max_length=6), required=False, default=list)
    rule_ids = serializers.ListField(child=serializers.CharField(max_length=32), required=False, default=list)

    def validate(self, attrs):
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": [_("结束日期不能早于开始日期")]})
        return attrs


class FindingEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = FindingEvent
        fields = ["from_status", "to_status", "actor", "at", "reason"]

    def get_actor(self, obj) -> str:
        return obj.actor.username if obj.actor_id and obj.actor else obj.actor_label


class FindingSerializer(serializers.ModelSerializer):
    district: serializers.SlugRelatedField[District] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    school_name = serializers.CharField(source="school.name", read_only=True, default=None, allow_null=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True, default=None, allow_null=True)
    rule_title = serializers.SerializerMethodField()
    severity = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = [
            "id",
            "rule_id",
            "rule_title",
            "severity",
            "kind",
            "district",
            "school",
            "school_name",
            "school_class",
            "teacher",
            "institution",
            "institution_name",
            "period_start",
            "period_end",
            "summary",
            "status",
            "first_seen",
            "last_seen",
            "status_changed_at",
        ]
        read_only_fields = fields

    def _rule(self, obj):
        return registry.get_rule(obj.rule_id) if registry.is_registered(obj.rule_id) else None

    def get_rule_title(self, obj) -> str:
        r = self._rule(obj)
        return r.title(_language(self)) if r else obj.rule_id

    def get_severity(self, obj) -> str | None:
        r = self._rule(obj)
        return r.severity if r else None


class FindingDetailSerializer(FindingSerializer):
    events = FindingEventSerializer(many=True, read_only=True)
    rule_hint = serializers.SerializerMethodField()

    class Meta(FindingSerializer.Meta):
        fields = [*FindingSerializer.Meta.fields, "evidence", "rule_hint", "events"]
        read_only_fields = fields

    def get_rule_hint(self, obj) -> str:
        r = self._rule(obj)
        return r.hint(_language(self)) if r else ""


class FindingStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FindingStatus.choices)
    reason = serializers.CharField(max_length=2000)


class FindingCaseSerializer(serializers.Serializer):
    rule_id = serializers.CharField(max_length=32)
    district = serializers.SlugRelatedField(slug_field="code", queryset=District.objects.all(), required=False)
    school = ScopedPrimaryKeyRelatedField(queryset=School.objects.all(), required=False, allow_null=True)
    school_class = ScopedPrimaryKeyRelatedField(queryset=SchoolClass.objects.all(), required=False, allow_null=True)
    teacher = ScopedPrimaryKeyRelatedField(queryset=SchoolTeacher.objects.all(), required=False, allow_null=True)
    institution = ScopedPrimaryKeyRelatedField(queryset=Institution.objects.all(), required=False, allow_null=True)
    date = serializers.DateField(required=False, allow_null=True)
    summary = serializers.CharField(max_length=300)
    evidence = serializers.DictField(required=False, default=dict)

    def validate_rule_id(self, value):
        if not registry.is_registered(value):
            raise serializers.ValidationError(_("未登记的规则编号"))
        return value

    def validate(self, attrs):
        school_class, teacher = attrs.get("school_class"), attrs.get("teacher")
        school = (
            attrs.get("school")
            or (school_class.school if school_class else None)
            or (teacher.school if teacher else None)
        )
        if school_class and school_class.school_id != school.pk:
            raise serializers.ValidationError({"school_class": [_("该班级不属于所选学校")]})
        if teacher and teacher.school_id != school.pk:
            raise serializers.ValidationError({"teacher": [_("该教师不属于所选学校")]})
        institution = attrs.get("institution")
        districts = {s.district_id for s in (school, institution) if s is not None}
        if len(districts) > 1:
            raise serializers.ValidationError({"institution": [_("学校与机构不在同一区")]})
        if districts:
            district_id = districts.pop()
            if attrs.get("district") and attrs["district"].pk != district_id:
                raise serializers.ValidationError({"district": [_("与问题对象所在区不一致")]})
            attrs["district"] = District.objects.get(pk=district_id)
        elif not attrs.get("district"):
            raise serializers.ValidationError({"district": [_("请指定区或问题对象")]})
        attrs["school"] = school
        return attrs


class ReportAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReportAttachment
        fields = ["id", "name", "content_type", "size", "url"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("compliance:attachment", args=[obj.pk])


class RectificationReportSerializer(serializers.ModelSerializer):
    submitted_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    decided_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    attachments = ReportAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = RectificationReport
        fields = [
            "id",
            "text",
            "submitted_by",
            "submitted_at",
            "decision",
            "decided_by",
            "decided_at",
            "decision_reason",
            "attachments",
        ]
        read_only_fields = fields


class NoticeSerializer(serializers.ModelSerializer):
    district = serializers.SlugRelatedField(slug_field="code", read_only=True)
    finding_ids = serializers.SerializerMethodField()

    class Meta:
        model = RectificationNotice
        fields = [
            "id",
            "number",
            "district",
            "school",
            "institution",
            "issued_on",
            "issued_at",
            "working_days",
            "deadline",
            "state",
            "returns",
            "accepted_at",
            "finding_ids",
        ]
        read_only_fields = fields

    def get_finding_ids(self, obj) -> list[int]:
        return sorted(f.pk for f in obj.findings.all())


class NoticeDetailSerializer(NoticeSerializer):
    reports = RectificationReportSerializer(many=True, read_only=True)

    class Meta(NoticeSerializer.Meta):
        fields = [*NoticeSerializer.Meta.fields, "basis", "required_action", "reports"]
        read_only_fields = fields


class NoticeCreateSerializer(serializers.Serializer):
    finding_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=2000)
    required_action = serializers.CharField(max_length=4000)


class ReportCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=8000)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=10)


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[ReportDecision.ACCEPTED, ReportDecision.RETURNED])
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
