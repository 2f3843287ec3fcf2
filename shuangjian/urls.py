"""Root URLs: pages per app, the API under /api/v1/, its schema and docs, health."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api.views import TokenView

from . import views
from .api_root import PortalAPIRootView, list_routes

DOMAIN_APPS = [
    "schools",
    "institutions",
    "homework",
    "afterschool",
    "periods",
    "complaints",
    "compliance",
    "inspections",
    "dashboards",
    "notifications",
    "funds",
]

api_v1 = [
    path(
        "",
        PortalAPIRootView.as_view(api_root_dict=list_routes([*DOMAIN_APPS, "accounts"])),
        name="api-root",
    ),
    *[path("", include(f"{app}.api.urls")) for app in DOMAIN_APPS],
    path("", include("accounts.api.urls")),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # the split view serves Swagger UI's init script as a file, so the CSP needs no inline script
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    *[path("", include(f"{app}.urls")) for app in DOMAIN_APPS],
]

# The portal's own error pages, in both languages; Django's technical pages only with DJANGO_DEBUG=true.
handler403 = "shuangjian.views.permission_denied"
handler404 = "shuangjian.views.page_not_found"
handler500 = "shuangjian.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
