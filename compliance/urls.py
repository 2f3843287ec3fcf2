"""Pages of the compliance app."""

from django.urls import path

from . import views

app_name = "compliance"
urlpatterns = [
    path("compliance/findings/", views.finding_list, name="findings"),
    path("compliance/findings/bulk-status/", views.finding_bulk_status, name="findings-bulk-status"),
    path("compliance/findings/export/", views.finding_export, name="findings-export"),
    path("compliance/findings/<int:pk>/", views.finding_detail, name="finding"),
    path("compliance/notices/", views.notice_list, name="notices"),
    path("compliance/notices/new/", views.notice_new, name="notice-new"),
    path("compliance/notices/<int:pk>/", views.notice_detail, name="notice"),
    path("compliance/notices/<int:pk>/report/", views.notice_report, name="notice-report"),
    path("compliance/notices/<int:pk>/review/", views.notice_review, name="notice-review"),
    path("compliance/attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("compliance/runs/", views.run_list, name="runs"),
    path("compliance/runs/<int:pk>/", views.run_detail, name="run"),
    path("compliance/parameters/", views.parameter_list, name="parameters"),
    path("compliance/parameters/<slug:key>/", views.parameter_detail, name="parameter"),
]
