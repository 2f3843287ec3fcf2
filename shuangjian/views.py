"""Project-level views: health and the error pages (the API token view is ``accounts.api.views.TokenView``)."""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache


def _database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True}
    except Exception as exc:  # noqa: BLE001 - the health page reports, never raises
        return {"ok": False, "error": type(exc).__name__}


def _broker_status() -> tuple[dict, dict]:
    from shuangjian.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        eager = {"ok": True, "mode": "eager (tasks run in-process)"}
        return eager, eager
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=2)
        broker = {"ok": True, "mode": "redis"}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "mode": "redis", "error": type(exc).__name__}, {"ok": False, "workers": 0}
    try:
        replies = app.control.inspect(timeout=1.0).ping() or {}
        worker = {"ok": bool(replies), "workers": len(replies)}
    except Exception as exc:  # noqa: BLE001
        worker = {"ok": False, "workers": 0, "error": type(exc).__name__}
    return broker, worker


@never_cache
def healthz(request):
    database = _database_status()
    broker, worker = _broker_status()
    ok = database["ok"] and broker["ok"]
    body = {"status": "ok" if ok else "degraded", "database": database, "broker": broker, "worker": worker}
    return JsonResponse(body, status=200 if ok else 503)


# --- error pages ---------------------------------------------------------------
# Rendered without the request context: they must work when the database (sessions,
# the user's profile) is what failed.


def service_unavailable(request, exception=None):
    """503 while the database is unreachable; the browser is told to retry shortly."""
    if request is not None and request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "detail": "数据库暂时不可用，请稍后再试 / The database is unavailable, try again shortly",
                "code": "unavailable",
                "fields": {},
            },
            status=503,
        )
    else:
        response = HttpResponse(loader.get_template("503.html").render({}), status=503)
    response["Retry-After"] = "5"
    return response


def _api_error(request, status: int, detail: str, code: str) -> JsonResponse | None:
    """The API's error shape for a path under /api/ (a client reading JSON must not get an HTML page)."""
    if request is not None and request.path.startswith("/api/"):
        return JsonResponse({"detail": detail, "code": code, "fields": {}}, status=status)
    return None


def server_error(request):
    exc = sys.exc_info()[1]
    if isinstance(exc, (OperationalError, InterfaceError)):
        return service_unavailable(request)
    api = _api_error(request, 500, _("服务器出错，请稍后再试"), "server_error")
    return api or HttpResponse(loader.get_template("500.html").render({}), status=500)


def page_not_found(request, exception=None):
    """The portal's 404 page (Django's own only with DJANGO_DEBUG=true, a developer's explicit choice)."""
    api = _api_error(request, 404, _("未找到"), "not_found")
    return api or render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    api = _api_error(request, 403, _("无权执行此操作"), "permission_denied")
    return api or render(request, "403.html", status=403)
