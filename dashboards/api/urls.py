"""API routes of the dashboards app, mounted under /api/v1/."""

from django.urls import path

from . import views

urlpatterns = [
    path("dashboards/city/", views.CityDashboardView.as_view(), name="dashboard-city"),
    path("dashboards/districts/<str:code>/", views.DistrictDashboardView.as_view(), name="dashboard-district"),
    path(
        "dashboards/districts/<str:code>/schools/",
        views.DistrictSchoolsView.as_view(),
        name="dashboard-district-schools",
    ),
    path("dashboards/schools/<int:pk>/", views.SchoolDashboardView.as_view(), name="dashboard-school"),
]
