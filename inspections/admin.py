from django.contrib import admin

from .models import Inspection, InspectionItem, InspectionPhoto


class ItemInline(admin.TabularInline):
    model = InspectionItem
    fields = ["rule_id", "result", "note", "finding"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class PhotoInline(admin.TabularInline):
    model = InspectionPhoto
    fields = ["image", "caption", "content_type", "size", "width", "height"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    """Read-only: an inspection is recorded through the page or the API (``services.inspection_record``), which
    raises its findings and records the audit event; an edit here would leave the findings' evidence behind."""

    list_display = ["id", "date", "district", "school", "institution", "place", "kind", "inspectors"]
    list_filter = ["kind", "district"]
    search_fields = ["place", "inspectors", "school__name", "institution__name"]
    inlines = [ItemInline, PhotoInline]
    readonly_fields = [
        "date",
        "district",
        "school",
        "institution",
        "place",
        "inspectors",
        "kind",
        "notes",
        "created_by",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
