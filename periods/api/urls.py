"""API routes of filing periods, mounted under /api/v1/."""

from rest_framework.routers import DefaultRouter

from .views import CorrectionViewSet, DayVersionViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("periods/corrections", CorrectionViewSet, basename="periods-correction")
router.register("periods/versions", DayVersionViewSet, basename="periods-version")

urlpatterns = router.urls
