from django.contrib import admin
from django.core.exceptions import ValidationError

from .closing import closing_for
from .models import Correction, CorrectionDay, DayVersion


class ClosedDayAdminMixin:
    """The admin of a model holding a school day's data: a closed day is neither changed nor deleted here (only
    an approved correction changes it). ``closing_kind`` says which closing applies; the model has a ``date``."""

    closing_kind = ""

    def _closed(self, obj) -> bool:
        return obj is not None and closing_for(self.closing_kind, [obj.date]).is_closed(obj.date)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._closed(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._closed(obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a bulk delete would pass over closed days
        return actions

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        kind = self.closing_kind

        class ClosingForm(form):
            def clean(self):
                data = super().clean()
                day = data.get("date")
                if day is not None:
                    closing = closing_for(kind, [day])
                    if closing.is_closed(day):
                        raise ValidationError(closing.message(day))
                return data

        return ClosingForm


class CorrectionDayInline(admin.TabularInline):
    model = CorrectionDay
    extra = 0
    raw_id_fields = ["school_class"]
    readonly_fields = ["school_class", "base_version", "items_before", "items_after"]
    can_delete = False


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    """Read-only: requests and decisions go through the pages and the API (the service keeps the versions)."""

    list_display = ["id", "school", "date", "status", "requested_at", "decided_at"]
    list_filter = ["status", "date"]
    raw_id_fields = ["school", "requested_by", "decided_by"]
    inlines = [CorrectionDayInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DayVersion)
class DayVersionAdmin(admin.ModelAdmin):
    list_display = ["date", "school_class", "version", "replaced_at", "correction"]
    list_filter = ["date"]
    raw_id_fields = ["school_class", "school", "correction"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
