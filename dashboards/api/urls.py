"""API routes of the dashboards app, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("dashboards/reports", views.MonthlyReportViewSet, basename="dashboard-report")

urlpatterns = [
    path("dashboards/city/", views.CityDashboardView.as_view(), name="dashboard-city"),
    path("dashboards/districts/<str:code>/", views.DistrictDashboardView.as_view(), name="dashboard-district"),
    path(
        "dashboards/districts/<str:code>/schools/",
        views.DistrictSchoolsView.as_view(),
        name="dashboard-district-schools",
    ),
    path("dashboards/schools/<int:pk>/", views.SchoolDashboardView.as_view(), name="dashboard-school"),
    *router.urls,
]
