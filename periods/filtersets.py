import django_filters

from .models import Correction, DayVersion


class CorrectionFilterSet(django_filters.FilterSet):
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Correction
        fields = {"school": ["exact"], "date": ["exact"], "status": ["exact"]}


class DayVersionFilterSet(django_filters.FilterSet):
    class Meta:
        model = DayVersion
        fields = {"school_class": ["exact"], "school": ["exact"], "date": ["exact"]}
