from rest_framework import serializers

from institutions.models import Institution
from schools.models import District, School, SchoolTeacher

from ..choices import Category, Channel, Department, State, TargetKind
from ..models import Complaint, ComplaintEvent


class ComplaintCreateSerializer(serializers.Serializer):
    """Public input (and staff input for other channels): validated here for shape, by the service for sense."""

    target_kind = serializers.ChoiceField(choices=TargetKind.choices)
    institution = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.all(), required=False, allow_null=True
    )
    school = serializers.PrimaryKeyRelatedField(queryset=School.objects.all(), required=False, allow_null=True)
    teacher = serializers.PrimaryKeyRelatedField(queryset=SchoolTeacher.objects.all(), required=False, allow_null=True)
    teacher_name = serializers.CharField(max_length=40, required=False, allow_blank=True)
    target_text = serializers.CharField(max_length=200, required=False, allow_blank=True)
    district = serializers.SlugRelatedField(
        slug_field="code", queryset=District.objects.all(), required=False, allow_null=True
    )
    grade = serializers.IntegerField(min_value=1, max_value=9, required=False, allow_null=True)
    category = serializers.ChoiceField(choices=Category.choices)
    description = serializers.CharField(max_length=4000)
    occurred_on = serializers.DateField()
    contact_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    contact_email = serializers.CharField(max_length=120, required=False, allow_blank=True)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=10)

    def to_internal_value(self, data):
        # multipart: several files under one name
        if hasattr(data, "getlist") and "photos" in data:
            photos = data.getlist("photos")
            data = {k: data.get(k) for k in data}  # never deep-copy the uploaded files
            data["photos"] = photos
        return super().to_internal_value(data)


class ComplaintEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintEvent
        fields = ["id", "kind", "from_state", "to_state", "actor_label", "at", "note", "public"]


class ComplaintSerializer(serializers.ModelSerializer):
    """Staff view of a complaint: contact details masked (reveal through ``/contact/``, which is recorded)."""

    district = serializers.SlugRelatedField(slug_field="code", read_only=True)
    target = serializers.CharField(source="target_label", read_only=True)
    contact_name = serializers.CharField(source="masked_name", read_only=True)
    contact_phone = serializers.CharField(source="masked_phone", read_only=True)
    contact_email = serializers.CharField(source="masked_email", read_only=True)
    next_due = serializers.DateField(read_only=True, allow_null=True)  # none once the complaint is closed
    overdue = serializers.SerializerMethodField()
    photo_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "tracking_code",
            "channel",
            "target_kind",
            "target",
            "institution",
            "school",
            "teacher",
            "teacher_name",
            "target_text",
            "grade",
            "category",
            "description",
            "occurred_on",
            "district",
            "department",
            "state",
            "received_at",
            "received_on",
            "accept_due",
            "responded_at",
            "resolve_due",
            "resolved_at",
            "closed_at",
            "next_due",
            "overdue",
            "deadline_note",
            "reject_reason",
            "outcome",
            "upheld",
            "rule_id",
            "finding",
            "reopen_count",
            "contact_name",
            "contact_phone",
            "contact_email",
            "personal_data_erased_at",
            "photo_count",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue()


class ComplaintDetailSerializer(ComplaintSerializer):
    events = ComplaintEventSerializer(many=True, read_only=True)

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "events"]
        read_only_fields = fields


class TransitionSerializer(serializers.Serializer):
    to_state = serializers.ChoiceField(choices=State.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    public = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    upheld = serializers.BooleanField(required=False, allow_null=True, default=None)
    rule_id = serializers.CharField(required=False, allow_blank=True, max_length=32)


class RerouteSerializer(serializers.Serializer):
    district = serializers.SlugRelatedField(
        slug_field="code", queryset=District.objects.all(), required=False, allow_null=True
    )
    department = serializers.ChoiceField(choices=Department.choices, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=2000)


class MatchTeacherSerializer(serializers.Serializer):
    teacher = serializers.PrimaryKeyRelatedField(queryset=SchoolTeacher.objects.all())


class TrackSerializer(serializers.Serializer):
    tracking_code = serializers.CharField(max_length=20)
    secret = serializers.CharField(max_length=40)


class ReopenSerializer(TrackSerializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class InstitutionTargetSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district.name")

    class Meta:
        model = Institution
        fields = ["id", "name", "district"]


class SchoolTargetSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district.name")

    class Meta:
        model = School
        fields = ["id", "name", "district"]
