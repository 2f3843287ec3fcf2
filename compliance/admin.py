from django import forms
from django.contrib import admin

from accounts.scoping import is_city
from shuangjian.errors import ServiceError

from . import services
from .models import ComplianceRun, ComplianceRunPart, Finding, FindingEvent, RuleParameter, SweepRequest


class RuleParameterAdminForm(forms.ModelForm):
    """The service's checks (known key, same value type, a source) shown as form errors, before anything is saved."""

    class Meta:
        model = RuleParameter
        fields = ["key", "value", "effective_from", "source"]

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                services.parameter_check(key=data["key"], value=data["value"], source=data["source"])
            except ServiceError as exc:
                self.add_error(None, exc.message)
                for field, messages in exc.fields.items():
                    for message in messages:
                        self.add_error(field if field in self.fields else None, message)
        return data


@admin.register(RuleParameter)
class RuleParameterAdmin(admin.ModelAdmin):
    """City staff add a new dated value; existing rows are the history and stay as they were.

    A new row goes through ``services.parameter_create``, the same path as the API, so it is audited alike.
    """

    form = RuleParameterAdminForm
    list_display = ["key", "value", "effective_from", "source", "created_by", "created_at"]
    list_filter = ["key"]
    search_fields = ["key", "source"]
    readonly_fields = ["created_by", "created_at"]

    def has_add_permission(self, request):
        return is_city(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # only additions reach here (rows cannot be changed); the admin logs and redirects with ``obj``
        row = services.parameter_create(
            key=obj.key,
            value=obj.value,
            effective_from=obj.effective_from,
            source=obj.source,
            actor=request.user,
            request=request,
        )
        obj.pk, obj.source, obj.created_by, obj.created_at = row.pk, row.source, row.created_by, row.created_at
        obj._state.adding, obj._state.db = False, row._state.db


class FindingEventInline(admin.TabularInline):
    model = FindingEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "actor_label", "at", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    """Findings change status through the portal (with a reason); the admin shows them."""

    list_display = ["rule_id", "district", "school", "institution", "period_start", "status", "last_seen"]
    list_filter = ["rule_id", "status", "district"]
    list_select_related = ["district", "school", "institution"]
    raw_id_fields = ["school", "school_class", "teacher", "institution"]
    inlines = [FindingEventInline]

    def has_add_permission(self, request):
        return False  # a case is recorded in the portal or the API (``services.finding_create_case``)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ComplianceRunPartInline(admin.TabularInline):
    model = ComplianceRunPart
    extra = 0
    can_delete = False
    readonly_fields = [
        "district",
        "rule_id",
        "state",
        "new_count",
        "still_open_count",
        "cleared_count",
        "error",
        "attempts",
        "finished_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ComplianceRun)
class ComplianceRunAdmin(admin.ModelAdmin):
    list_display = ["id", "trigger", "date_from", "date_to", "state", "parts_done", "parts_total", "created_at"]
    list_filter = ["state", "trigger"]
    inlines = [ComplianceRunPartInline]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SweepRequest)
class SweepRequestAdmin(admin.ModelAdmin):
    list_display = ["school", "date", "reason", "created_at", "processed_at", "run"]
    list_filter = ["reason"]
    raw_id_fields = ["school", "run"]

    def has_change_permission(self, request, obj=None):
        return False
