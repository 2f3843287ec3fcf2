import django_filters

from .choices import FindingStatus, RuleKind, RunState, RunTrigger
from .models import ComplianceRun, Finding, RuleParameter


class FindingFilterSet(django_filters.FilterSet):
    rule = django_filters.CharFilter(field_name="rule_id", label="rule id")
    district = django_filters.CharFilter(field_name="district__code", label="district code")
    status = django_filters.MultipleChoiceFilter(choices=FindingStatus.choices)
    kind = django_filters.ChoiceFilter(choices=RuleKind.choices)
    date_from = django_filters.DateFilter(field_name="period_start", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="period_start", lookup_expr="lte")

    class Meta:
        model = Finding
        fields = ["rule", "district", "school", "school_class", "teacher", "institution", "status", "kind"]


class RunFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=RunState.choices)
    trigger = django_filters.ChoiceFilter(choices=RunTrigger.choices)
    district = django_filters.CharFilter(field_name="scope_district__code", label="district code")

    class Meta:
        model = ComplianceRun
        fields = ["state", "trigger", "district"]


class RuleParameterFilterSet(django_filters.FilterSet):
    effective_from_after = django_filters.DateFilter(field_name="effective_from", lookup_expr="gte")
    effective_from_before = django_filters.DateFilter(field_name="effective_from", lookup_expr="lte")

    class Meta:
        model = RuleParameter
        fields = {"key": ["exact", "startswith"]}
