import django_filters
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.scoping import restrict
from compliance import registry
from institutions.models import Institution
from schools.models import District, School

from .checklist import inspectable
from .choices import InspectionKind, ItemResult
from .models import Inspection, InspectionItem


def _with_rule(queryset, name, value):
    """Inspections that checked ``value`` (a rule ID); one subquery, so a list row is never repeated."""
    if not value:
        return queryset
    return queryset.filter(pk__in=InspectionItem.objects.filter(rule_id=value).values("inspection_id"))


def _with_violation(queryset, name, value):
    if not value:
        return queryset
    return queryset.filter(
        pk__in=InspectionItem.objects.filter(rule_id=value, result=ItemResult.VIOLATION).values("inspection_id")
    )


class InspectionFilterSet(django_filters.FilterSet):
    """The API's filters."""

    district = django_filters.CharFilter(field_name="district__code", label="district code")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    rule = django_filters.CharFilter(method=_with_rule, label="rule id: inspections that checked it")
    violation = django_filters.CharFilter(method=_with_violation, label="rule id: inspections that found it violated")
    kind = django_filters.ChoiceFilter(choices=InspectionKind.choices)

    class Meta:
        model = Inspection
        fields = ["district", "school", "institution", "kind"]


class InspectionPageFilterSet(django_filters.FilterSet):
    """The list page's filters: select lists limited to what the user may see."""

    district = django_filters.ModelChoiceFilter(field_name="district", queryset=None, label=_("区"))
    school = django_filters.ModelChoiceFilter(field_name="school", queryset=None, label=_("学校"))
    institution = django_filters.ModelChoiceFilter(field_name="institution", queryset=None, label=_("培训机构"))
    rule = django_filters.ChoiceFilter(method=_with_rule, choices=[], label=_("检查规则"))
    kind = django_filters.ChoiceFilter(choices=InspectionKind.choices, label=_("检查类型"))
    date_from = django_filters.DateFilter(
        field_name="date",
        lookup_expr="gte",
        label=_("日期从"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="date",
        lookup_expr="lte",
        label=_("日期至"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Inspection
        fields = ["district", "school", "institution", "rule", "kind", "date_from", "date_to"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["district"].queryset = restrict(District.objects.all(), user).order_by("code")
        self.filters["school"].queryset = restrict(School.objects.all(), user).order_by("name")
        self.filters["institution"].queryset = restrict(Institution.objects.all(), user).order_by("name")
        self.filters["rule"].extra["choices"] = [
            (r.id, f"{r.id} {r.title(get_language())}") for r in registry.all_rules() if inspectable(r)
        ]
