import django_filters

from .choices import RefundState
from .models import BankStatement, RefundRequest, SupervisedAccount


class SupervisedAccountFilterSet(django_filters.FilterSet):
    current = django_filters.BooleanFilter(field_name="closed_on", lookup_expr="isnull", label="在用")

    class Meta:
        model = SupervisedAccount
        fields = ["institution", "bank"]


class BankStatementFilterSet(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="statement_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="statement_date", lookup_expr="lte")

    class Meta:
        model = BankStatement
        fields = ["account"]


class RefundRequestFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=RefundState.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="逾期")

    class Meta:
        model = RefundRequest
        fields = ["institution", "state"]

    def filter_overdue(self, queryset, name, value):
        from django.db.models import F, Q
        from django.utils import timezone

        late = Q(state=RefundState.PAID, paid_on__gt=F("due_on")) | Q(
            state__in=(RefundState.REQUESTED, RefundState.ACCEPTED), due_on__lt=timezone.localdate()
        )
        return queryset.filter(late) if value else queryset.exclude(late)
