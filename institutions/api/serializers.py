from django.utils.translation import gettext as _
from rest_framework import serializers

from schools.api.serializers import ScopedPrimaryKeyRelatedField
from schools.models import District

from ..choices import Audience, ListStatus
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


class InstitutionSerializer(serializers.ModelSerializer):
    district = serializers.SlugRelatedField(slug_field="code", queryset=District.objects.all())
    audience = serializers.ListField(child=serializers.ChoiceField(choices=Audience.choices), allow_empty=False)
    list_status = serializers.ChoiceField(choices=ListStatus.choices, required=False)
    list_status_reason = serializers.CharField(
        write_only=True, required=False, allow_blank=True, help_text="required when list_status changes"
    )
    list_status_effective_on = serializers.DateField(write_only=True, required=False)

    class Meta:
        model = Institution
        fields = [
            "id",
            "name",
            "credit_code",
            "district",
            "category",
            "domain",
            "audience",
            "mode",
            "nonprofit",
            "licence_no",
            "licence_status",
            "approved_on",
            "reapproved_on",
            "icp_no",
            "listed",
            "capital_raised",
            "foreign_controlled",
            "list_status",
            "list_status_since",
            "list_status_reason",
            "list_status_effective_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["list_status_since", "created_at", "updated_at"]

    def create(self, validated_data):
        from ..services import institution_create

        request = self.context["request"]
        return institution_create(user=request.user, request=request, **validated_data)

    def update(self, instance, validated_data):
        from ..services import institution_update

        request = self.context["request"]
        return institution_update(user=request.user, institution=instance, request=request, **validated_data)


def _institution_field():
    return ScopedPrimaryKeyRelatedField(queryset=Institution.objects.all())


class SiteSerializer(serializers.ModelSerializer):
    institution = _institution_field()

    class Meta:
        model = Site
        fields = ["id", "institution", "address", "approved", "approved_on"]


class TrainerSerializer(serializers.ModelSerializer):
    institution = _institution_field()

    class Meta:
        model = Trainer
        fields = ["id", "institution", "name", "photo", "certificate_no", "classes_taught", "disclosed"]


class ForeignStaffSerializer(serializers.ModelSerializer):
    institution = _institution_field()

    class Meta:
        model = ForeignStaff
        fields = ["id", "institution", "name", "work_permit_no", "in_china", "disclosed"]


class CourseSerializer(serializers.ModelSerializer):
    institution = _institution_field()
    trainers = ScopedPrimaryKeyRelatedField(queryset=Trainer.objects.all(), many=True, required=False)
    content_grade = serializers.IntegerField(min_value=0, max_value=12)
    min_grade = serializers.IntegerField(min_value=0, max_value=12)
    max_grade = serializers.IntegerField(min_value=0, max_value=12)

    class Meta:
        model = Course
        fields = [
            "id",
            "institution",
            "name",
            "subject",
            "content_grade",
            "min_grade",
            "max_grade",
            "foreign_curriculum",
            "mode",
            "class_size",
            "lesson_minutes",
            "price_per_lesson",
            "trainers",
            "enrolment_opens_on",
            "disclosed",
        ]

    def validate(self, attrs):
        def get(name):
            return attrs.get(name, getattr(self.instance, name, None))

        errors = {}
        if get("min_grade") is not None and get("max_grade") is not None and get("min_grade") > get("max_grade"):
            errors["max_grade"] = [_("招生最高年级不能低于最低年级")]
        institution = get("institution")
        trainers = attrs.get("trainers")
        if trainers and institution and any(t.institution_id != institution.pk for t in trainers):
            errors["trainers"] = [_("授课人员须属于本机构")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class SessionSerializer(serializers.ModelSerializer):
    course = ScopedPrimaryKeyRelatedField(queryset=Course.objects.all())
    site = ScopedPrimaryKeyRelatedField(queryset=Site.objects.all(), allow_null=True, required=False)
    institution = serializers.IntegerField(source="course.institution_id", read_only=True)

    class Meta:
        model = Session
        fields = ["id", "course", "class_group", "institution", "site", "starts_at", "ends_at", "mode"]

    def validate(self, attrs):
        def get(name):
            return attrs.get(name, getattr(self.instance, name, None))

        errors = {}
        starts, ends = get("starts_at"), get("ends_at")
        if starts and ends and ends <= starts:
            errors["ends_at"] = [_("结束时间须晚于开始时间")]
        course, site = get("course"), get("site")
        if site is not None and course is not None and site.institution_id != course.institution_id:
            errors["site"] = [_("该场所不属于开课机构")]
        if get("mode") == "offline" and site is None:
            errors["site"] = [_("线下课须填写场所")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class EnrolmentFilingSerializer(serializers.ModelSerializer):
    course = ScopedPrimaryKeyRelatedField(queryset=Course.objects.all())

    class Meta:
        model = EnrolmentFiling
        fields = ["id", "course", "filed_on", "approved_on", "brochure", "fees", "enrolment_opens_on"]


class PrepaymentSerializer(serializers.ModelSerializer):
    course = ScopedPrimaryKeyRelatedField(queryset=Course.objects.all())
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)

    class Meta:
        model = Prepayment
        fields = ["id", "course", "paid_on", "amount", "class_hours", "months", "account", "supervised"]


class DisclosureSerializer(serializers.ModelSerializer):
    institution = _institution_field()

    class Meta:
        model = Disclosure
        fields = ["id", "institution", "item", "published", "content", "updated_on"]


class ListStatusChangeSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ListStatusChange
        fields = ["id", "institution", "from_status", "to_status", "effective_on", "reason", "actor", "at"]


# --- public look-up (no login): only what the institution discloses ---------------------------------------


class PublicInstitutionBriefSerializer(serializers.Serializer):
    name = serializers.CharField()
    credit_code = serializers.CharField()
    district = serializers.CharField(source="district.name")
    category = serializers.CharField()
    licence_status = serializers.CharField()
    list_status = serializers.CharField()


class _PublicGuidePrice(serializers.Serializer):
    benchmark = serializers.DecimalField(max_digits=10, decimal_places=2)
    standard_minutes = serializers.IntegerField()
    float = serializers.DecimalField(max_digits=4, decimal_places=2)
    max_allowed = serializers.DecimalField(max_digits=10, decimal_places=2)
    above_guide_price = serializers.BooleanField()


class _PublicCourse(serializers.Serializer):
    name = serializers.CharField()
    subject = serializers.CharField()
    mode = serializers.CharField()
    class_size = serializers.IntegerField()
    lesson_minutes = serializers.IntegerField()
    price_per_lesson = serializers.DecimalField(max_digits=10, decimal_places=2)
    guide_price = _PublicGuidePrice(allow_null=True)


class _PublicSite(serializers.Serializer):
    address = serializers.CharField()
    approved_on = serializers.DateField(allow_null=True)


class _PublicTrainer(serializers.Serializer):
    name = serializers.CharField()
    certificate_no = serializers.CharField()


class PublicInstitutionSerializer(serializers.Serializer):
    name = serializers.CharField()
    credit_code = serializers.CharField()
    district = serializers.CharField()
    category = serializers.CharField()
    mode = serializers.CharField()
    licence_no = serializers.CharField()
    licence_status = serializers.CharField()
    licence_valid = serializers.BooleanField()
    list_status = serializers.CharField()
    list_status_since = serializers.DateField(allow_null=True)
    sites = _PublicSite(many=True)
    trainers = _PublicTrainer(many=True)
    courses = _PublicCourse(many=True)
