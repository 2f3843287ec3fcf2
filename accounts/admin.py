from django.contrib import admin

from .models import AuditEvent, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "district", "school", "institution"]
    list_filter = ["role", "district"]
    raw_id_fields = ["user", "school", "institution"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only for everyone, superusers included."""

    list_display = ["at", "actor_label", "action", "object_type", "object_id", "district", "outcome", "ip"]
    list_filter = ["action", "outcome", "district"]
    search_fields = ["actor_label", "object_type", "object_id", "object_repr"]
    date_hierarchy = "at"
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
