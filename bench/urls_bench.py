"""The project's URLs plus ``/bench/ping/``: a trivial Django JSON view, the framework's floor (benchmark only)."""

from django.http import JsonResponse
from django.urls import include, path


def ping(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/ping/", ping),
    path("", include("shuangjian.urls")),
]
