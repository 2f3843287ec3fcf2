import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditAction, AuditEvent, AuditOutcome

#: a date picker that shows the date typed (ISO, as ``<input type=date>`` needs whatever the language)
DATE_PICKER = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditEventFilterSet(django_filters.FilterSet):
    """Search the audit trail: who, what, which object, when, with what outcome."""

    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="iexact", label=_("操作人账号"))
    action = django_filters.MultipleChoiceFilter(choices=AuditAction.choices, label=_("操作"))
    outcome = django_filters.ChoiceFilter(choices=AuditOutcome.choices, label=_("结果"))
    object_type = django_filters.CharFilter(lookup_expr="iexact", label=_("对象类型"))
    object_id = django_filters.CharFilter(label=_("对象编号"))
    district = django_filters.CharFilter(field_name="district__code", label=_("区代码"))
    ip = django_filters.CharFilter(label=_("IP 地址"))
    date_from = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label=_("起始日期"), widget=DATE_PICKER
    )
    date_to = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label=_("截止日期"), widget=DATE_PICKER
    )

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "outcome", "object_type", "object_id", "district", "ip", "date_from", "date_to"]
