import django_filters

from .models import CompletionSurvey, HomeworkDay, HomeworkItem


class HomeworkItemFilterSet(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="school__district__code", label="district code")
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = HomeworkItem
        fields = {
            "school_class": ["exact"],
            "school": ["exact"],
            "date": ["exact"],
            "subject": ["exact", "in"],
            "kind": ["exact"],
            "at_home": ["exact"],
            "for_parents": ["exact"],
            "parent_grading": ["exact"],
            "self_grading": ["exact"],
            "punitive": ["exact"],
            "beyond_standard": ["exact"],
        }


class HomeworkDayFilterSet(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="school__district__code", label="district code")
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = HomeworkDay
        fields = {"school_class": ["exact"], "school": ["exact"], "date": ["exact"], "no_homework": ["exact"]}


class CompletionSurveyFilterSet(django_filters.FilterSet):
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = CompletionSurvey
        fields = {"school_class": ["exact"], "school": ["exact"], "date": ["exact"], "subject": ["exact"]}
