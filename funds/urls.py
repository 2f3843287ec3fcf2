"""Pages of the funds app: staff pages under /funds/, the public refund pages under /refund/."""

from django.urls import path

from . import views

app_name = "funds"
urlpatterns = [
    path("funds/", views.overview, name="overview"),
    path("funds/accounts/", views.account_list, name="accounts"),
    path("funds/accounts/new/", views.account_register, name="account-register"),
    path("funds/statements/import/", views.statement_import, name="statement-import"),
    path("funds/statements/import/template.xlsx", views.statement_template, name="statement-template"),
    path("funds/sessions/<int:session_pk>/attendance/", views.attendance, name="attendance"),
    path("funds/refunds/", views.refund_list, name="refunds"),
    path("funds/refunds/<int:pk>/", views.refund_detail, name="refund-detail"),
    path("funds/refunds/<int:pk>/complaint/", views.refund_escalate, name="refund-escalate"),
    path("refund/", views.refund_request, name="refund-request"),
    path("refund/track/", views.refund_track, name="refund-track"),
]
