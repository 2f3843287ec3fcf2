"""API routes of the notifications app, mounted under /api/v1/."""

from rest_framework.routers import DefaultRouter

from .views import NotificationViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = router.urls
