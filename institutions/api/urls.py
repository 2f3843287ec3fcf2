"""API routes of the institutions app, mounted under /api/v1/.

The registry's sub-resources sit under ``institutions/`` as flat resources filtered by ``institution``;
they are registered before ``institutions`` itself so that ``institutions/sites/`` is not read as an id.
"""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False  # no undocumented ".json" twin of every route (those of actions answered 500)
router.register("institutions/sites", views.SiteViewSet, basename="institution-site")
router.register("institutions/trainers", views.TrainerViewSet, basename="institution-trainer")
router.register("institutions/foreign-staff", views.ForeignStaffViewSet, basename="institution-foreign-staff")
router.register("institutions/courses", views.CourseViewSet, basename="institution-course")
router.register("institutions/sessions", views.SessionViewSet, basename="institution-session")
router.register("institutions/filings", views.EnrolmentFilingViewSet, basename="institution-filing")
router.register("institutions/prepayments", views.PrepaymentViewSet, basename="institution-prepayment")
router.register("institutions/disclosures", views.DisclosureViewSet, basename="institution-disclosure")
router.register("institutions/list-changes", views.ListStatusChangeViewSet, basename="institution-list-change")
router.register("institutions", views.InstitutionViewSet, basename="institution")

urlpatterns = [
    path("public/institutions/", views.PublicInstitutionSearchView.as_view(), name="public-institution-search"),
    path(
        "public/institutions/<str:credit_code>/",
        views.PublicInstitutionDetailView.as_view(),
        name="public-institution-detail",
    ),
    *router.urls,
]
