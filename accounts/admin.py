from django.contrib import admin

from .models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "district", "school", "institution"]
    list_filter = ["role", "district"]
    raw_id_fields = ["user", "school", "institution"]
