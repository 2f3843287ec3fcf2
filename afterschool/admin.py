from django.contrib import admin

from periods.admin import ClosedDayAdminMixin
from periods.closing import AFTERSCHOOL

from .models import Activity, DailyReport, Programme, ProviderSelection


@admin.register(ProviderSelection)
class ProviderSelectionAdmin(admin.ModelAdmin):
    list_display = ["institution", "district", "selected_on", "valid_until"]
    list_filter = ["district"]
    raw_id_fields = ["institution"]

    def get_readonly_fields(self, request, obj=None):
        # the district decides who sees the selection: a selection is another district's by adding it there
        return ["district"] if obj is not None else []


class ActivityInline(admin.TabularInline):
    model = Activity
    extra = 0
    raw_id_fields = ["institution"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["school", "term", "extended_care", "evening_self_study", "updated_at"]
    list_filter = ["term", "extended_care"]
    raw_id_fields = ["school"]
    inlines = [ActivityInline]

    def get_readonly_fields(self, request, obj=None):
        # the school decides who sees the programme and its activities: another school files its own programme
        return ["school"] if obj is not None else []


@admin.register(DailyReport)
class DailyReportAdmin(ClosedDayAdminMixin, admin.ModelAdmin):
    """A report of a closed day is shown read-only and cannot be deleted; a new one for a closed day is refused."""

    closing_kind = AFTERSCHOOL
    list_display = [
        "school",
        "date",
        "pe_minutes",
        "stage1_minutes",
        "end_time",
        "enrolled",
        "participants",
        "new_lessons",
        "compulsory",
        "first_filed_at",
    ]
    list_filter = ["date", "new_lessons", "compulsory"]
    raw_id_fields = ["school", "filed_by"]
    date_hierarchy = "date"

    def get_readonly_fields(self, request, obj=None):
        # the school decides who sees the report: a report is another school's only by that school filing it
        return ["school"] if obj is not None else []
