from rest_framework import serializers

from schools.api.serializers import ScopedPrimaryKeyRelatedField
from schools.choices import Subject
from schools.models import SchoolClass

from ..choices import MAX_ITEM_MINUTES, HomeworkKind
from ..models import CompletionSurvey, HomeworkDay, HomeworkItem


class HomeworkItemSerializer(serializers.ModelSerializer):
    """One item as listed; filing goes through ``validation`` (the same checks as the form and the upload)."""

    class Meta:
        model = HomeworkItem
        fields = [
            "id",
            "school_class",
            "school",
            "date",
            "subject",
            "kind",
            "minutes",
            "at_home",
            "for_parents",
            "parent_grading",
            "self_grading",
            "punitive",
            "beyond_standard",
            "content",
            "filed_at",
        ]
        read_only_fields = fields


class HomeworkItemInputSerializer(serializers.Serializer):
    """The filing contract (for the schema): POST one of these or a list of up to 5,000."""

    school_class = serializers.IntegerField()
    grade = serializers.IntegerField(
        required=False, min_value=1, max_value=9, help_text="optional check: must be the class's grade"
    )
    date = serializers.DateField()
    subject = serializers.ChoiceField(choices=Subject.choices)
    kind = serializers.ChoiceField(choices=HomeworkKind.choices)
    minutes = serializers.IntegerField(min_value=0, max_value=MAX_ITEM_MINUTES)
    at_home = serializers.BooleanField(default=True)
    for_parents = serializers.BooleanField(default=False)
    parent_grading = serializers.BooleanField(default=False)
    self_grading = serializers.BooleanField(default=False)
    punitive = serializers.BooleanField(default=False)
    beyond_standard = serializers.BooleanField(default=False)
    content = serializers.CharField(required=False, allow_blank=True, max_length=500)


class FilingResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    replaced = serializers.IntegerField()
    days = serializers.IntegerField()


class HomeworkDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = HomeworkDay
        fields = ["id", "school_class", "school", "date", "no_homework", "first_filed_at", "last_filed_at"]
        read_only_fields = fields


class NoHomeworkSerializer(serializers.Serializer):
    school_class = ScopedPrimaryKeyRelatedField(queryset=SchoolClass.objects.all())
    date = serializers.DateField()


class CompletionSurveySerializer(serializers.ModelSerializer):
    school_class = ScopedPrimaryKeyRelatedField(queryset=SchoolClass.objects.all())
    measured_minutes = serializers.IntegerField(min_value=0, max_value=MAX_ITEM_MINUTES)
    sample_size = serializers.IntegerField(min_value=1, max_value=32767)

    class Meta:
        model = CompletionSurvey
        fields = [
            "id",
            "school_class",
            "school",
            "date",
            "subject",
            "kind",
            "measured_minutes",
            "sample_size",
            "recorded_at",
        ]
        read_only_fields = ["school", "recorded_at"]
        validators = []  # recording again corrects the survey
