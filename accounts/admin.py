from django.contrib import admin
from knox.models import AuthToken

from .models import AuditEvent, DeniedRequestTally, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "district", "school", "institution", "must_change_password"]
    list_filter = ["role", "district", "must_change_password"]
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


# knox's own admin creates tokens and shows the new key in a message; here a token can only be seen (whose it
# is, when it expires) and deleted, which revokes it. Nothing that identifies the key is shown: not its
# digest, not its first characters.
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created", "expiry"]
    search_fields = ["user__username"]
    fields = ["user", "created", "expiry"]
    readonly_fields = fields
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DeniedRequestTally)
class DeniedRequestTallyAdmin(admin.ModelAdmin):
    """The counts of refused requests behind the ``access_denied`` audit events (read-only)."""

    list_display = ["minute", "client", "actor_label", "path_pattern", "count"]
    search_fields = ["client", "actor_label", "path_pattern"]
    date_hierarchy = "minute"
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
