"""Input and output shapes of the dashboards API."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from schools.choices import GradeBand, Stage

from ..models import MonthlyReport
from ..selectors import Filters, default_range

#: the longest range one dashboard request may cover (a school year)
MAX_RANGE_DAYS = 400
#: the query parameters a dashboard reads (DashboardQuerySerializer's fields)
FILTER_PARAMS = ("date_from", "date_to", "stage", "grade_band")


class DashboardQuerySerializer(serializers.Serializer):
    """Query parameters: a date range (default the last four weeks), a school stage and a grade band."""

    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False, allow_blank=True)
    grade_band = serializers.ChoiceField(choices=GradeBand.choices, required=False, allow_blank=True)

    def validate(self, attrs):
        start, end = default_range()
        date_to = attrs.get("date_to") or (attrs["date_from"] + dt.timedelta(days=27) if "date_from" in attrs else end)
        date_from = attrs.get("date_from") or date_to - (end - start)
        if date_to < date_from:
            raise serializers.ValidationError({"date_to": [_("结束日期不能早于开始日期")]})
        if (date_to - date_from).days > MAX_RANGE_DAYS:
            raise serializers.ValidationError({"date_to": [_("一次最多查看400天")]})
        return Filters(
            date_from=date_from,
            date_to=date_to,
            stage=attrs.get("stage") or "",
            grade_band=attrs.get("grade_band") or "",
        )


def filters_from(query_params) -> Filters:
    s = DashboardQuerySerializer(data=query_params)
    s.is_valid(raise_exception=True)
    return s.validated_data


class FilingSerializer(serializers.Serializer):
    expected = serializers.IntegerField()
    filed = serializers.IntegerField()
    on_time = serializers.IntegerField()
    completeness = serializers.FloatField(allow_null=True, help_text="filed / expected")
    timeliness = serializers.FloatField(allow_null=True, help_text="on time / expected")


class BandSerializer(FilingSerializer):
    grade_band = serializers.ChoiceField(choices=GradeBand.choices)
    within_limit = serializers.IntegerField()
    within_limit_share = serializers.FloatField(allow_null=True, help_text="within the limit / filed")
    avg_minutes = serializers.FloatField(allow_null=True)
    p90_minutes = serializers.IntegerField(allow_null=True, help_text="nearest-rank 90th percentile")


class HomeworkSerializer(serializers.Serializer):
    bands = BandSerializer(many=True)
    filing = FilingSerializer()
    weeks = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="per ISO week (Monday): per grade band expected, filed, within_limit_share, avg_minutes",
    )


class AfterschoolSerializer(serializers.Serializer):
    expected = serializers.IntegerField()
    reported = serializers.IntegerField()
    on_time = serializers.IntegerField()
    completeness = serializers.FloatField(allow_null=True)
    timeliness = serializers.FloatField(allow_null=True)
    enrolled = serializers.IntegerField()
    participants = serializers.IntegerField()
    participation_rate = serializers.FloatField(allow_null=True)
    ended_after_1730 = serializers.IntegerField()
    ended_after_1730_share = serializers.FloatField(allow_null=True)
    avg_pe_minutes = serializers.FloatField(allow_null=True)
    avg_exercise_minutes = serializers.FloatField(allow_null=True)
    weeks = serializers.ListField(child=serializers.DictField(), required=False)


class InstitutionsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_category = serializers.DictField(child=serializers.IntegerField())
    by_licence_status = serializers.DictField(child=serializers.IntegerField())
    by_list_status = serializers.DictField(child=serializers.IntegerField())
    sessions_flagged = serializers.ListField(child=serializers.DictField())
    prepayments = serializers.IntegerField()
    prepayments_over_limit = serializers.IntegerField()


class FindingsSerializer(serializers.Serializer):
    by_rule = serializers.ListField(child=serializers.DictField())
    by_severity = serializers.ListField(child=serializers.DictField())
    open = serializers.IntegerField()
    cleared = serializers.IntegerField()
    dismissed = serializers.IntegerField()
    oldest_open_since = serializers.DateTimeField(allow_null=True)
    oldest_open_days = serializers.IntegerField(allow_null=True)
    avg_days_to_rectify = serializers.FloatField(allow_null=True)
    oldest_open_rule = serializers.CharField(allow_null=True, help_text="the rule of the oldest open finding")


class ComplaintsSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    accepted = serializers.IntegerField()
    resolved = serializers.IntegerField()
    overdue = serializers.IntegerField()
    by_category = serializers.ListField(child=serializers.DictField())
    by_department = serializers.ListField(child=serializers.DictField())
    median_working_days = serializers.FloatField(allow_null=True)
    calendar_gap = serializers.BooleanField()


class RectificationSerializer(serializers.Serializer):
    issued = serializers.IntegerField(help_text="rectification notices issued in the range")
    on_time = serializers.IntegerField(help_text="a report submitted by the deadline was accepted")
    overdue = serializers.IntegerField(help_text="the deadline passed without such a report (RX-OVERDUE)")
    in_progress = serializers.IntegerField(help_text="still within the deadline")
    on_time_rate = serializers.FloatField(allow_null=True, help_text="on_time / (on_time + overdue)")


class DistrictDashboardSerializer(serializers.Serializer):
    scope = serializers.DictField()
    filters = serializers.DictField()
    homework = HomeworkSerializer()
    afterschool = AfterschoolSerializer()
    institutions = InstitutionsSerializer()
    findings = FindingsSerializer()
    complaints = ComplaintsSerializer()
    rectification = RectificationSerializer()


class CityDistrictSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    homework = HomeworkSerializer()
    afterschool = AfterschoolSerializer()
    institutions = InstitutionsSerializer()
    findings = FindingsSerializer()
    complaints = ComplaintsSerializer()
    rectification = RectificationSerializer()


class CityDashboardSerializer(DistrictDashboardSerializer):
    districts = CityDistrictSerializer(many=True)


class SchoolDashboardSerializer(serializers.Serializer):
    scope = serializers.DictField()
    filters = serializers.DictField()
    homework = HomeworkSerializer()
    afterschool = AfterschoolSerializer()
    findings = FindingsSerializer()


class SchoolRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    stage = serializers.CharField()
    homework = serializers.DictField()
    afterschool = serializers.DictField()


class FinalSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM: the month of date_to")
    accepted = serializers.IntegerField(help_text="districts whose month is accepted (the rows of districts)")
    pending = serializers.ListField(
        child=serializers.DictField(), help_text="districts left out: code, name, state (draft, submitted or null)"
    )


class CityFinalDashboardSerializer(CityDashboardSerializer):
    final = FinalSerializer(required=False, help_text="only with ?final=1")


# -- monthly district reports ------------------------------------------------------------------------------------


class UserNameField(serializers.CharField):
    def to_representation(self, value):
        return value.get_username() if value is not None else None


class MonthlyReportSerializer(serializers.ModelSerializer):
    """A district's monthly report, without its frozen figures (the list)."""

    district = serializers.CharField(source="district.code", read_only=True)
    district_name = serializers.CharField(source="district.name", read_only=True)
    month = serializers.SerializerMethodField()
    frozen_by = UserNameField(read_only=True, allow_null=True)
    submitted_by = UserNameField(read_only=True, allow_null=True)
    accepted_by = UserNameField(read_only=True, allow_null=True)

    class Meta:
        model = MonthlyReport
        fields = [
            "id",
            "district",
            "district_name",
            "month",
            "state",
            "frozen_at",
            "frozen_by",
            "submitted_at",
            "submitted_by",
            "accepted_at",
            "accepted_by",
            "returned_reason",
            "returned_at",
            "reopened_reason",
            "reopened_at",
        ]
        read_only_fields = fields

    def get_month(self, obj) -> str:
        return f"{obj.month:%Y-%m}"


class MonthlyReportDetailSerializer(MonthlyReportSerializer):
    """With the frozen figures: the district dashboard over the month as it stood when frozen."""

    figures = DistrictDashboardSerializer(read_only=True)

    class Meta(MonthlyReportSerializer.Meta):
        fields = [*MonthlyReportSerializer.Meta.fields, "figures"]
        read_only_fields = fields


class MonthlyReportCreateSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", help_text="YYYY-MM: the month to freeze")

    def validate_month(self, value) -> dt.date:
        try:
            return dt.date(int(value[:4]), int(value[5:7]), 1)
        except ValueError as exc:  # year 0000
            raise serializers.ValidationError(_("请按“年-月”填写月份，如 2026-11")) from exc


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
