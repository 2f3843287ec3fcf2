from django.contrib import admin

from accounts.scoping import is_city

from .models import ComplianceRun, ComplianceRunPart, Finding, FindingEvent, RuleParameter, SweepRequest


@admin.register(RuleParameter)
class RuleParameterAdmin(admin.ModelAdmin):
    """City staff add a new dated value; existing rows are the history and stay as they were."""

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
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


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

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ComplianceRunPartInline(admin.TabularInline):
    model = ComplianceRunPart
    extra = 0
    can_delete = False
    readonly_fields = ["district", "rule_id", "state", "new_count", "still_open_count", "cleared_count", "error",
                       "attempts", "finished_at"]

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
