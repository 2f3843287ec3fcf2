import django_filters

from .choices import Category, Channel, Department, State, TargetKind
from .models import Complaint


class ComplaintFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=State.choices)
    department = django_filters.ChoiceFilter(choices=Department.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    target_kind = django_filters.ChoiceFilter(choices=TargetKind.choices)
    district = django_filters.CharFilter(field_name="district__code", label="district code")
    received_after = django_filters.DateFilter(field_name="received_on", lookup_expr="gte")
    received_before = django_filters.DateFilter(field_name="received_on", lookup_expr="lte")
    tracking_code = django_filters.CharFilter(field_name="tracking_code", lookup_expr="iexact")

    class Meta:
        model = Complaint
        fields = ["state", "department", "category", "channel", "target_kind", "district", "institution", "school"]
