"""API routes of the afterschool app, mounted under /api/v1/."""

from rest_framework.routers import DefaultRouter

from .views import ActivityViewSet, DailyReportViewSet, ProgrammeViewSet, ProviderSelectionViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False  # no undocumented ".json" twin of every route (those of actions answered 500)
router.register("afterschool/reports", DailyReportViewSet, basename="afterschool-report")
router.register("afterschool/programmes", ProgrammeViewSet, basename="afterschool-programme")
router.register("afterschool/activities", ActivityViewSet, basename="afterschool-activity")
router.register("afterschool/provider-selections", ProviderSelectionViewSet, basename="afterschool-provider-selection")

urlpatterns = router.urls
