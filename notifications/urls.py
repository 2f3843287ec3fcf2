"""Pages of the notifications app: the inbox, reading, the e-mail switch."""

from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/<int:pk>/read/", views.read, name="read"),
    path("notifications/read-all/", views.read_all, name="read-all"),
    path("notifications/settings/", views.email_setting, name="settings"),
]
