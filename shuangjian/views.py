"""Project-level views: health and API tokens."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny


def _database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "engine": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - the health page reports, never raises
        return {"ok": False, "engine": connection.vendor, "error": type(exc).__name__}


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


@extend_schema(tags=["auth"], summary="Exchange a username and password for an API token")
class ObtainTokenView(ObtainAuthToken):
    permission_classes = [AllowAny]
