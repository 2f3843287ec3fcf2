"""API routes of the homework app, mounted under /api/v1/."""

from rest_framework.routers import DefaultRouter

from .views import CompletionSurveyViewSet, HomeworkDayViewSet, HomeworkItemViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False  # no undocumented ".json" twin of every route (those of actions answered 500)
router.register("homework/surveys", CompletionSurveyViewSet, basename="homework-survey")
router.register("homework/days", HomeworkDayViewSet, basename="homework-day")
router.register("homework", HomeworkItemViewSet, basename="homework")

urlpatterns = router.urls
