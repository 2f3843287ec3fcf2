from rest_framework import serializers

from accounts.scoping import restrict

from ..models import District, School, SchoolClass


class DistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = ["id", "code", "name", "name_en"]


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key the caller may only point at objects in their own scope (else: does not exist)."""

    def get_queryset(self):
        return restrict(super().get_queryset(), self.context["request"].user)


class SchoolSerializer(serializers.ModelSerializer):
    district = serializers.SlugRelatedField(slug_field="code", queryset=District.objects.all())

    class Meta:
        model = School
        fields = ["id", "district", "name", "code", "stage", "boarding"]


class SchoolClassSerializer(serializers.ModelSerializer):
    school = ScopedPrimaryKeyRelatedField(queryset=School.objects.all())
    grade = serializers.IntegerField(min_value=1, max_value=9)

    class Meta:
        model = SchoolClass
        fields = ["id", "school", "academic_year", "grade", "name", "headcount"]
