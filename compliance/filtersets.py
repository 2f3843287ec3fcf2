import django_filters
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

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


class FindingPageFilterSet(django_filters.FilterSet):
    """The filters of the findings page (select lists rather than raw ids and codes)."""

    rule = django_filters.ChoiceFilter(field_name="rule_id", label=_("规则"), choices=[])
    status = django_filters.ChoiceFilter(choices=FindingStatus.choices, label=_("状态"))
    district = django_filters.ModelChoiceFilter(field_name="district", queryset=None, label=_("区"))
    school = django_filters.ModelChoiceFilter(field_name="school", queryset=None, label=_("学校"))
    date_from = django_filters.DateFilter(
        field_name="period_start",
        lookup_expr="gte",
        label=_("日期从"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="period_start",
        lookup_expr="lte",
        label=_("日期至"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Finding
        fields = ["rule", "status", "district", "school", "date_from", "date_to"]

    def __init__(self, *args, user, **kwargs):
        from accounts.scoping import restrict
        from schools.models import District, School

        from .selectors import rules_for_user

        super().__init__(*args, **kwargs)
        language = get_language()
        self.filters["rule"].extra["choices"] = [(r.id, f"{r.id} {r.title(language)}") for r in rules_for_user(user)]
        for name, queryset in (
            ("district", restrict(District.objects.all(), user)),
            ("school", restrict(School.objects.all(), user).only("id", "name")),
        ):
            self.filters[name].queryset = queryset
            # a form field built before (on the class's filters, copied into every instance) would keep no queryset
            self.filters[name].__dict__.pop("_field", None)
