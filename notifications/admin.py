from django.contrib import admin

from .models import Notification, NotificationSetting


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "read_at", "email_state", "email_attempts")
    list_filter = ("kind", "email_state")
    search_fields = ("title", "recipient__username")
    raw_id_fields = ("recipient",)
    readonly_fields = ("email_sent_at", "email_error", "email_attempts")
    date_hierarchy = "created_at"


@admin.register(NotificationSetting)
class NotificationSettingAdmin(admin.ModelAdmin):
    list_display = ("user", "email_enabled", "updated_at")
    list_filter = ("email_enabled",)
    raw_id_fields = ("user",)
