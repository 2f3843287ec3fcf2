"""Pages of the compliance app."""

from django.urls import path

from . import views

app_name = "compliance"
urlpatterns = [
    path("compliance/findings/", views.finding_list, name="findings"),
    path("compliance/findings/<int:pk>/", views.finding_detail, name="finding"),
    path("compliance/runs/", views.run_list, name="runs"),
    path("compliance/runs/<int:pk>/", views.run_detail, name="run"),
]
