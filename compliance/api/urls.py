"""API routes of the compliance app, mounted under /api/v1/."""

from rest_framework.routers import DefaultRouter

from .views import FindingViewSet, NoticeViewSet, RuleParameterViewSet, RuleViewSet, RunViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False  # no undocumented ".json" twin of every route (those of actions answered 500)
router.register("compliance/rules", RuleViewSet, basename="compliance-rule")
router.register("compliance/parameters", RuleParameterViewSet, basename="compliance-parameter")
router.register("compliance/runs", RunViewSet, basename="compliance-run")
router.register("compliance/findings", FindingViewSet, basename="compliance-finding")
router.register("compliance/notices", NoticeViewSet, basename="compliance-notice")

urlpatterns = router.urls
