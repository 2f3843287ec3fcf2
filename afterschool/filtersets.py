import django_filters
from django.db.models import Q

from .models import Activity, DailyReport, Programme, ProviderSelection


class DailyReportFilterSet(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="school__district__code", label="district code")

    class Meta:
        model = DailyReport
        fields = {
            "school": ["exact"],
            "date": ["exact", "gte", "lte"],
            "new_lessons": ["exact"],
            "compulsory": ["exact"],
            "extended_care": ["exact"],
            "pe_minutes": ["lt", "gte"],
            "stage1_minutes": ["lt", "gte"],
            "end_time": ["lt", "gte"],
            "enrolled": ["gte", "lte"],
            "participants": ["gte", "lte"],
            "filed_at": ["gte", "lte"],
            "first_filed_at": ["gte", "lte"],
            "filed_by": ["exact"],
        }


class ProgrammeFilterSet(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="school__district__code", label="district code")
    academic_year = django_filters.NumberFilter(field_name="term__academic_year")

    class Meta:
        model = Programme
        fields = {
            "school": ["exact"],
            "term": ["exact"],
            "extended_care": ["exact"],
            "evening_self_study": ["exact"],
            "note": ["icontains"],
            "updated_at": ["gte", "lte"],
        }


class ActivityFilterSet(django_filters.FilterSet):
    school = django_filters.NumberFilter(field_name="programme__school")
    district = django_filters.CharFilter(field_name="programme__school__district__code", label="district code")

    class Meta:
        model = Activity
        fields = {
            "programme": ["exact"],
            "name": ["icontains"],
            "kind": ["exact"],
            "provider_kind": ["exact"],
            "institution": ["exact"],
            "provider_name": ["icontains"],
        }


class ProviderSelectionFilterSet(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="district__code", label="district code")
    valid_on = django_filters.DateFilter(method="filter_valid_on", label="in force on this date")

    class Meta:
        model = ProviderSelection
        fields = {
            "institution": ["exact"],
            "selected_on": ["exact", "gte", "lte"],
            "valid_until": ["exact", "gte", "lte", "isnull"],
            "note": ["icontains"],
        }

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=value), selected_on__lte=value)
