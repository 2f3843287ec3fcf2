"""API routes of the complaints app, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False  # no undocumented ".json" twin of every route (those of actions answered 500)
router.register("complaints", views.ComplaintViewSet, basename="complaint")

urlpatterns = [
    # before the router, so "track" is never read as a complaint id
    path("complaints/track/", views.TrackView.as_view(), name="complaint-track"),
    path("complaints/track/reopen/", views.ReopenView.as_view(), name="complaint-reopen"),
    path(
        "complaints/targets/institutions/", views.InstitutionTargetView.as_view(), name="complaint-target-institutions"
    ),
    path("complaints/targets/schools/", views.SchoolTargetView.as_view(), name="complaint-target-schools"),
    *router.urls,
]
