"""django-filter filtersets for every registry list (API and pages)."""

import django_filters
from django.db.models import Q

from .models import (
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


class InstitutionFilterSet(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="district__code", label="district code")
    q = django_filters.CharFilter(method="search", label="name or credit code")

    class Meta:
        model = Institution
        fields = {
            "name": ["icontains"],
            "credit_code": ["exact"],
            "category": ["exact"],
            "domain": ["exact"],
            "mode": ["exact"],
            "nonprofit": ["exact"],
            "licence_status": ["exact", "in"],
            "list_status": ["exact", "in"],
            "approved_on": ["gte", "lte"],
        }

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__istartswith=value))


class _ByInstitution(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="institution__district__code", label="district code")


class SiteFilterSet(_ByInstitution):
    class Meta:
        model = Site
        fields = {"institution": ["exact"], "approved": ["exact"], "address": ["icontains"]}


class TrainerFilterSet(_ByInstitution):
    has_certificate = django_filters.BooleanFilter(method="filter_certificate", label="has a certificate number")

    class Meta:
        model = Trainer
        fields = {"institution": ["exact"], "name": ["icontains"], "certificate_no": ["exact"], "disclosed": ["exact"]}

    def filter_certificate(self, queryset, name, value):
        return queryset.exclude(certificate_no="") if value else queryset.filter(certificate_no="")


class ForeignStaffFilterSet(_ByInstitution):
    class Meta:
        model = ForeignStaff
        fields = {"institution": ["exact"], "name": ["icontains"], "in_china": ["exact"], "disclosed": ["exact"]}


class CourseFilterSet(_ByInstitution):
    class Meta:
        model = Course
        fields = {
            "institution": ["exact"],
            "name": ["icontains"],
            "subject": ["exact", "in"],
            "mode": ["exact"],
            "foreign_curriculum": ["exact"],
            "content_grade": ["exact", "gte", "lte"],
            "disclosed": ["exact"],
        }


class _ByCourse(django_filters.FilterSet):
    institution = django_filters.NumberFilter(field_name="course__institution_id", label="institution id")
    district = django_filters.CharFilter(field_name="course__institution__district__code", label="district code")


class SessionFilterSet(_ByCourse):
    date_from = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte", label="starts at or after")
    date_to = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt", label="starts before")

    class Meta:
        model = Session
        fields = {"course": ["exact"], "class_group": ["exact"], "site": ["exact", "isnull"], "mode": ["exact"]}


class EnrolmentFilingFilterSet(_ByCourse):
    class Meta:
        model = EnrolmentFiling
        fields = {"course": ["exact"], "filed_on": ["gte", "lte"], "approved_on": ["isnull"]}


class PrepaymentFilterSet(_ByCourse):
    class Meta:
        model = Prepayment
        fields = {
            "course": ["exact"],
            "supervised": ["exact"],
            "paid_on": ["gte", "lte"],
            "months": ["gt"],
            "class_hours": ["gt"],
        }


class DisclosureFilterSet(_ByInstitution):
    class Meta:
        model = Disclosure
        fields = {"institution": ["exact"], "item": ["exact"], "published": ["exact"]}


class ListStatusChangeFilterSet(_ByInstitution):
    class Meta:
        model = ListStatusChange
        fields = {"institution": ["exact"], "to_status": ["exact"], "effective_on": ["gte", "lte"]}
