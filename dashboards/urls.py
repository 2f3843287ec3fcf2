"""Pages of the dashboards app: district, city and school dashboards, their Excel exports, a findings export,
and the monthly district reports (区月报)."""

from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("dashboards/", views.dashboard_home, name="district-home"),
    path("dashboards/city/", views.city, name="city"),
    path("dashboards/city.xlsx", views.city_xlsx, name="city-xlsx"),
    path("dashboards/districts/<str:code>/", views.district, name="district"),
    path("dashboards/districts/<str:code>.xlsx", views.district_xlsx, name="district-xlsx"),
    path("dashboards/schools/<int:pk>/", views.school, name="school"),
    path("dashboards/schools/<int:pk>.xlsx", views.school_xlsx, name="school-xlsx"),
    path("dashboards/findings.xlsx", views.findings_xlsx, name="findings-xlsx"),
    path("dashboards/reports/", views.reports, name="reports"),
    path("dashboards/reports/<int:pk>/", views.report, name="report"),
    path("dashboards/reports/<int:pk>.xlsx", views.report_xlsx, name="report-xlsx"),
]
