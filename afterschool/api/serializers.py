from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from institutions.models import Institution
from schools.api.serializers import ScopedPrimaryKeyRelatedField
from schools.models import District, School, Term

from ..models import Activity, DailyReport, Programme, ProviderSelection


class DailyReportInputSerializer(serializers.Serializer):
    """One report as filed: types only; the service checks scope, the calendar and the figures."""

    school = serializers.IntegerField()
    date = serializers.DateField()
    pe_minutes = serializers.IntegerField()
    stage1_minutes = serializers.IntegerField()
    end_time = serializers.TimeField()
    enrolled = serializers.IntegerField()
    participants = serializers.IntegerField()
    new_lessons = serializers.BooleanField()
    compulsory = serializers.BooleanField()
    extended_care = serializers.BooleanField()


@extend_schema_field({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "17:30"})
class HourMinuteField(serializers.TimeField):
    """A time of day written ``HH:MM`` (the contract's ``"end_time": "17:30"``): no seconds, so not an OpenAPI
    ``format: time``."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class DailyReportSerializer(serializers.ModelSerializer):
    end_time = HourMinuteField()

    class Meta:
        model = DailyReport
        fields = [
            "id",
            "school",
            "date",
            "pe_minutes",
            "stage1_minutes",
            "end_time",
            "enrolled",
            "participants",
            "new_lessons",
            "compulsory",
            "extended_care",
            "filed_at",
            "first_filed_at",
        ]
        read_only_fields = fields


class ActivitySerializer(serializers.ModelSerializer):
    programme = ScopedPrimaryKeyRelatedField(queryset=Programme.objects.all())
    # any institution of the public registry may be named; AS-10-PROVIDER judges it
    institution = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.all(), allow_null=True, required=False
    )
    institution_name = serializers.CharField(source="institution.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "programme",
            "name",
            "kind",
            "provider_kind",
            "institution",
            "institution_name",
            "provider_name",
        ]


class ProgrammeActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = ["id", "name", "kind", "provider_kind", "institution", "provider_name"]


class ProgrammeSerializer(serializers.ModelSerializer):
    school = ScopedPrimaryKeyRelatedField(queryset=School.objects.all())
    term = serializers.PrimaryKeyRelatedField(queryset=Term.objects.all())
    activities = ProgrammeActivitySerializer(many=True, read_only=True)

    class Meta:
        model = Programme
        fields = ["id", "school", "term", "extended_care", "evening_self_study", "note", "activities", "updated_at"]
        read_only_fields = ["updated_at"]
        validators = []  # the service reports a duplicate (school, term) by updating it


class ProviderSelectionSerializer(serializers.ModelSerializer):
    district = serializers.SlugRelatedField(slug_field="code", queryset=District.objects.all())
    institution = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.all())
    institution_name = serializers.CharField(source="institution.name", read_only=True)

    class Meta:
        model = ProviderSelection
        fields = ["id", "district", "institution", "institution_name", "selected_on", "valid_until", "note"]
        validators = []
