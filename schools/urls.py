"""Pages of the schools app (schools and classes are kept in the admin; the statutory calendar has its page)."""

from django.urls import path

from . import views

app_name = "schools"
urlpatterns = [
    path("calendar/statutory-years/", views.statutory_years, name="statutory-years"),
]
