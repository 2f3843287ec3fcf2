"""API routes of the schools app, mounted under /api/v1/."""

from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False  # no undocumented ".json" twin of every route (those of actions answered 500)
router.register("districts", views.DistrictViewSet, basename="district")
router.register("schools", views.SchoolViewSet, basename="school")
router.register("classes", views.SchoolClassViewSet, basename="class")

urlpatterns = router.urls
