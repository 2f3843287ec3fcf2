"""Pages of the inspections app."""

from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("inspections/", views.inspection_list, name="list"),
    path("inspections/new/", views.inspection_new, name="new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="detail"),
    path("inspections/<int:pk>/photos/<int:photo_id>/", views.photo, name="photo"),
]
