"""Filters of the dashboards API: the monthly reports list."""

import django_filters

from .choices import ReportState
from .models import MonthlyReport


class MonthlyReportFilterSet(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="district__code", label="district code")
    state = django_filters.MultipleChoiceFilter(choices=ReportState.choices)
    month_from = django_filters.DateFilter(field_name="month", lookup_expr="gte", label="first month (a date)")
    month_to = django_filters.DateFilter(field_name="month", lookup_expr="lte", label="last month (a date)")

    class Meta:
        model = MonthlyReport
        fields = ["district", "state", "month_from", "month_to"]
