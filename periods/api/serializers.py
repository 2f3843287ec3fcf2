from rest_framework import serializers

from homework.api.serializers import HomeworkItemInputSerializer

from ..choices import MAX_CLASSES, MAX_ROWS
from ..models import Correction, CorrectionDay, DayVersion


class CorrectionDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = CorrectionDay
        fields = ["school_class", "base_version", "items_before", "items_after"]
        read_only_fields = fields


class CorrectionSerializer(serializers.ModelSerializer):
    days = CorrectionDaySerializer(many=True, read_only=True)

    class Meta:
        model = Correction
        fields = [
            "id",
            "school",
            "date",
            "reason",
            "rows",
            "file_name",
            "status",
            "requested_at",
            "decided_at",
            "decision_reason",
            "days",
        ]
        read_only_fields = fields


class CorrectionCreateSerializer(serializers.Serializer):
    """A correction of a closed day: the classes, why, and their new items (the homework filing contract; a class
    with no item is published as "no homework")."""

    date = serializers.DateField()
    school_classes = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=MAX_CLASSES
    )
    reason = serializers.CharField(max_length=2000)
    items = serializers.ListField(child=serializers.DictField(), required=False, default=list, max_length=MAX_ROWS)


class CorrectionCreateSchemaSerializer(CorrectionCreateSerializer):
    items = HomeworkItemInputSerializer(many=True, required=False)


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class DayVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DayVersion
        fields = [
            "id",
            "school_class",
            "school",
            "date",
            "version",
            "items",
            "no_homework",
            "filed",
            "correction",
            "replaced_at",
        ]
        read_only_fields = fields
