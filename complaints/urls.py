"""Pages of the complaints app."""

from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("complaints/new/", views.submit, name="submit"),
    path("complaints/submitted/<str:tracking_code>/", views.submitted, name="submitted"),
    path("complaints/track/", views.track, name="track"),
    path("complaints/inbox/", views.inbox, name="inbox"),
    path("complaints/staff/new/", views.staff_new, name="staff-new"),
    path("complaints/<int:pk>/", views.detail, name="detail"),
    path("complaints/<int:pk>/transition/", views.transition, name="transition"),
    path("complaints/<int:pk>/reroute/", views.reroute, name="reroute"),
    path("complaints/<int:pk>/assign/", views.assign, name="assign"),
    path("complaints/<int:pk>/teacher/", views.match_teacher, name="match-teacher"),
    path("complaints/<int:pk>/contact/", views.contact, name="contact"),
    path("complaints/<int:pk>/photos/<int:photo_id>/", views.photo, name="photo"),
]
