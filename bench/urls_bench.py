"""The project's URLs plus two trivial views for the benchmark's floors (benchmark only, never shipped).

- ``/bench/ping/``: a plain Django JSON view, the framework's floor;
- ``/bench/api-ping/``: a DRF view with the API's defaults (token or session authentication,
  the staff-role permission), the floor of any authenticated API endpoint.
"""

from django.http import JsonResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


def ping(request):
    return JsonResponse({"ok": True})


class ApiPing(APIView):
    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("bench/ping/", ping),
    path("bench/api-ping/", ApiPing.as_view()),
    path("", include("shuangjian.urls")),
]
