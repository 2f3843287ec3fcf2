"""Pages of the homework app."""

from django.urls import path

from . import views

app_name = "homework"
urlpatterns = [
    path("homework/file/", views.file_day, name="file"),
    path("homework/upload/", views.upload, name="upload"),
    path("homework/upload/template/", views.template, name="template"),
    path("homework/classes/<int:class_id>/<str:date>/", views.publication, name="publication"),
    path("homework/p/<str:token>/", views.public, name="public"),
    path("homework/p/<str:token>/<str:date>/", views.public, name="public-day"),
]
