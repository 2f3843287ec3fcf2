"""Pages of the afterschool app."""

from django.urls import path

from . import views

app_name = "afterschool"
urlpatterns = [
    path("afterschool/report/", views.report, name="report"),
    path("afterschool/programme/", views.programme, name="programme"),
]
