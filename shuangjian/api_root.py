"""``/api/v1/``: DRF's browsable API root, listing every app's list endpoint, for a signed-in user."""

import importlib

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.routers import APIRootView


def list_routes(apps: list[str]) -> dict[str, str]:
    """{prefix: URL name of its list route} of every router in the apps' ``api/urls.py``."""
    routes: dict[str, str] = {}
    for app in apps:
        module = importlib.import_module(f"{app}.api.urls")
        router = getattr(module, "router", None)
        if router is None:
            continue
        for prefix, _viewset, basename in router.registry:
            routes.setdefault(prefix, f"{basename}-list")
    return dict(sorted(routes.items()))


class PortalAPIRootView(APIRootView):
    """The endpoints of the API (each one's list), linked; the schema and its documentation are /api/schema/ and
    /api/docs/."""

    permission_classes = [permissions.IsAuthenticated]
    api_root_dict: dict[str, str] = {}

    @extend_schema(summary="API root: the list endpoints", responses={200: OpenApiTypes.OBJECT}, tags=["api"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
