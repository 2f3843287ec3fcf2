"""Pages of filing periods."""

from django.urls import path

from . import views

app_name = "periods"
urlpatterns = [
    path("periods/", views.correction_list, name="list"),
    path("periods/corrections/new/", views.correction_new, name="new"),
    path("periods/corrections/<int:pk>/", views.correction_detail, name="detail"),
]
