"""Admin: complaints are worked in the inbox; the admin shows them read-only and never shows contact details."""

from django.contrib import admin

from .models import Complaint, ComplaintEvent, ContactView


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ComplaintEventInline(admin.TabularInline):
    model = ComplaintEvent
    fields = ["at", "kind", "from_state", "to_state", "actor", "actor_label", "public", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = [
        "tracking_code",
        "state",
        "category",
        "district",
        "department",
        "channel",
        "received_on",
        "accept_due",
        "resolve_due",
    ]
    list_filter = ["state", "category", "department", "channel", "district"]
    search_fields = ["tracking_code"]
    # the encrypted contact fields and the secret hash are deliberately left out
    exclude = ["contact_name", "contact_phone", "contact_email", "phone_digest", "secret_hash"]
    inlines = [ComplaintEventInline]


@admin.register(ContactView)
class ContactViewAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "user", "at"]
    list_filter = ["at"]
