import django_filters

from .models import District, School, SchoolClass, SchoolTeacher


class DistrictFilterSet(django_filters.FilterSet):
    class Meta:
        model = District
        fields = {"code": ["exact", "in"], "name": ["exact", "icontains"]}


class SchoolFilterSet(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="district__code", label="district code")

    class Meta:
        model = School
        fields = {"code": ["exact"], "name": ["icontains"], "stage": ["exact"], "boarding": ["exact"]}


class SchoolClassFilterSet(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="school__district__code", label="district code")

    class Meta:
        model = SchoolClass
        fields = {"school": ["exact"], "academic_year": ["exact"], "grade": ["exact", "gte", "lte"], "name": ["exact"]}


class SchoolTeacherFilterSet(django_filters.FilterSet):
    class Meta:
        model = SchoolTeacher
        fields = {
            "school": ["exact"],
            "name": ["icontains"],
            "certificate_no": ["exact"],
            "status": ["exact"],
            "left_on": ["gte", "lte", "isnull"],
        }
