from django.contrib import admin

from periods.admin import ClosedDayAdminMixin
from periods.closing import HOMEWORK

from .models import CompletionSurvey, HomeworkDay, HomeworkItem


@admin.register(HomeworkItem)
class HomeworkItemAdmin(ClosedDayAdminMixin, admin.ModelAdmin):
    """Read-only: filings go through the filing service (validation, replacement, the sweep it asks for); an item
    of a closed day cannot be deleted here either."""

    closing_kind = HOMEWORK
    list_display = ["date", "school_class", "subject", "kind", "minutes", "at_home", "filed_at"]
    list_filter = ["date", "subject", "kind"]
    raw_id_fields = ["school_class", "school", "filed_by"]
    list_select_related = ["school_class__school"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(HomeworkDay)
class HomeworkDayAdmin(ClosedDayAdminMixin, admin.ModelAdmin):
    closing_kind = HOMEWORK

    list_display = ["date", "school_class", "no_homework", "first_filed_at", "last_filed_at"]
    list_filter = ["date", "no_homework"]
    raw_id_fields = ["school_class", "school", "filed_by"]
    list_select_related = ["school_class__school"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CompletionSurvey)
class CompletionSurveyAdmin(admin.ModelAdmin):
    list_display = ["date", "school_class", "subject", "kind", "measured_minutes", "sample_size"]
    list_filter = ["date", "subject"]
    raw_id_fields = ["school_class", "school", "recorded_by"]

    def get_readonly_fields(self, request, obj=None):
        # the class and school decide who sees the survey; the school is the class's (a class moves with its rows)
        return ["school_class", "school"] if obj is not None else ["school"]

    def save_model(self, request, obj, form, change):
        obj.school_id = obj.school_class.school_id
        super().save_model(request, obj, form, change)
