import django_filters
from django_filters.widgets import BooleanWidget

from .choices import EmailState, NotificationKind
from .models import Notification


class NotificationFilterSet(django_filters.FilterSet):
    # 1/0 as well as true/false (?unread=1)
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", widget=BooleanWidget, label="unread only (1/0, true/false)"
    )
    kind = django_filters.MultipleChoiceFilter(choices=NotificationKind.choices)
    email_state = django_filters.ChoiceFilter(choices=EmailState.choices)
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Notification
        fields = ["unread", "kind", "email_state", "created_after", "created_before"]
