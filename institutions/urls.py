"""Pages of the institutions app: the registry under /institutions/, the public look-up at /lookup/."""

from django.urls import path

from . import views

app_name = "institutions"
urlpatterns = [
    path("institutions/", views.institution_list, name="list"),
    path("institutions/new/", views.institution_create, name="create"),
    path("institutions/mine/", views.institution_mine, name="mine"),
    path("institutions/import/", views.registry_import, name="import"),
    path("institutions/import/template.xlsx", views.registry_template, name="import-template"),
    path("institutions/schedule-import/", views.schedule_import, name="schedule-import"),
    path("institutions/schedule-import/template.xlsx", views.schedule_template, name="schedule-template"),
    path("institutions/export/", views.registry_export, name="export"),
    path("institutions/<int:pk>/", views.institution_detail, name="detail"),
    path("institutions/<int:pk>/edit/", views.institution_edit, name="edit"),
    path("institutions/<int:pk>/list-status/", views.institution_list_status, name="list-status"),
    path("institutions/<int:institution_pk>/<slug:kind>/new/", views.record_edit, name="record-add"),
    path("institutions/<slug:kind>/<int:pk>/edit/", views.record_edit, name="record-edit"),
    path("lookup/", views.lookup, name="lookup"),
    path("lookup/<str:credit_code>/", views.lookup_detail, name="lookup-detail"),
]
