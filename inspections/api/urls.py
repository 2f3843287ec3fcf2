"""API routes of the inspections app, mounted under /api/v1/."""

from rest_framework.routers import DefaultRouter

from .views import InspectionViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("inspections", InspectionViewSet, basename="inspection")

urlpatterns = router.urls
