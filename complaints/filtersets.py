import re

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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


class InboxFilterSet(django_filters.FilterSet):
    """The inbox's filters: a search over the tracking code and the text, the received date range, state,
    department, category, and the complaints assigned to the caller (``mine``)."""

    q = django_filters.CharFilter(method="search", label=_("查询码或内容"))
    received_after = django_filters.DateFilter(
        field_name="received_on",
        lookup_expr="gte",
        label=_("收到日期从"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    received_before = django_filters.DateFilter(
        field_name="received_on",
        lookup_expr="lte",
        label=_("收到日期至"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    state = django_filters.ChoiceFilter(choices=State.choices, label=_("状态"), empty_label=_("全部"))
    department = django_filters.ChoiceFilter(choices=Department.choices, label=_("承办部门"), empty_label=_("全部"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("问题类别"), empty_label=_("全部"))
    mine = django_filters.BooleanFilter(method="assigned_to_me", label=_("只看分配给我的"), widget=forms.CheckboxInput)

    class Meta:
        model = Complaint
        fields = ["q", "received_after", "received_before", "state", "department", "category", "mine"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        code = re.sub(r"[\s-]", "", value).upper()
        return queryset.filter(
            Q(tracking_code=code)
            | Q(description__icontains=value)
            | Q(target_text__icontains=value)
            | Q(teacher_name__icontains=value)
            | Q(institution__name__icontains=value)
            | Q(school__name__icontains=value)
        )

    def assigned_to_me(self, queryset, name, value):
        return queryset.filter(assigned_to=self.user) if value else queryset
