"""Pages of the schools app (schools and classes are kept in the admin; the statutory calendar has its page)."""

from django.urls import path

from . import views

app_name = "schools"
urlpatterns = [
    path("calendar/statutory-years/", views.statutory_years, name="statutory-years"),
    path("calendar/terms/", views.terms, name="terms"),
    path("calendar/terms/<int:pk>/", views.term_edit, name="term"),
    path("calendar/vacations/", views.vacations, name="vacations"),
    path("calendar/vacations/<int:pk>/", views.vacation_edit, name="vacation"),
    path("calendar/overrides/", views.overrides, name="overrides"),
    path("calendar/month/", views.calendar_month, name="month"),
]
