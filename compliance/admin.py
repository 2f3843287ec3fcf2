from django.contrib import admin

from .models import ComplianceRun, Finding, FindingEvent, RuleParameter


@admin.register(RuleParameter)
class RuleParameterAdmin(admin.ModelAdmin):
    list_display = ["key", "value", "effective_from", "source"]
    list_filter = ["key"]


class FindingEventInline(admin.TabularInline):
    model = FindingEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "actor_label", "at", "reason"]


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["rule_id", "district", "school", "institution", "period_start", "status", "last_seen"]
    list_filter = ["rule_id", "status", "district"]
    raw_id_fields = ["school", "school_class", "teacher", "institution"]
    inlines = [FindingEventInline]


@admin.register(ComplianceRun)
class ComplianceRunAdmin(admin.ModelAdmin):
    list_display = ["id", "trigger", "date_from", "date_to", "state", "parts_done", "parts_total", "created_at"]
