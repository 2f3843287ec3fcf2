"""API routes of the funds app, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("funds/accounts", views.SupervisedAccountViewSet, basename="funds-account")
router.register("funds/statements", views.BankStatementViewSet, basename="funds-statement")
router.register("funds/refunds", views.RefundRequestViewSet, basename="funds-refund")

urlpatterns = [
    path("funds/bank/statements/", views.BankStatementPostView.as_view(), name="funds-bank-statement-post"),
    *router.urls,
]
