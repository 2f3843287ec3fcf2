"""API routes of the accounts app (the audit trail), mounted under /api/v1/."""

from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False  # no undocumented ".json" twin of every route (those of actions answered 500)
router.register("audit", views.AuditEventViewSet, basename="audit")

urlpatterns = router.urls
