"""Cross-cutting request handling: the 12-hour session cap, the denied-access audit, and
a clean 503 page while the database is unavailable."""

import logging
import time

from django.conf import settings
from django.contrib.auth import logout
from django.db import InterfaceError, OperationalError

from .audit import audit_record_safely
from .models import AuditAction, AuditOutcome
from .signals import SESSION_STARTED_KEY

log = logging.getLogger("accounts.security")


class SessionMaxAgeMiddleware:
    """Ends a staff session ``SESSION_MAX_AGE_SECONDS`` (12 h) after login, however active it was.

    The idle limit (30 min) is the session cookie age renewed on every request;
    this adds the absolute cap. The login time is stored in the session at login
    (``accounts.signals.on_login``); a session without one (older than this
    middleware) starts counting now. Place after ``AuthenticationMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            started = request.session.get(SESSION_STARTED_KEY)
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - int(started) > settings.SESSION_MAX_AGE_SECONDS:
                request._logout_reason = "max_age"
                logout(request)  # flushes the stored session; the request goes on as anonymous
        return self.get_response(request)


class AccessDeniedAuditMiddleware:
    """Records every 403, and every 404 an authenticated user meets (which is how an object
    outside the caller's scope answers), as an ``access_denied`` audit event."""

    SKIP_PREFIXES = ("/static/", "/media/", "/favicon")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        if status in (401, 403) or (status == 404 and self._authenticated(request)):
            if not request.path.startswith(self.SKIP_PREFIXES):
                audit_record_safely(
                    actor=None,
                    action=AuditAction.ACCESS_DENIED,
                    outcome=AuditOutcome.DENIED,
                    request=request,
                    detail={"method": request.method, "status": status},
                )
        return response

    @staticmethod
    def _authenticated(request):
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)


class DatabaseUnavailableMiddleware:
    """A view that loses the database answers 503 with ``Retry-After`` instead of a 500.

    Failures raised inside other middleware (loading the session, the user) never
    reach ``process_exception``; ``shuangjian.views.server_error`` (handler500)
    turns those into the same 503. Django drops a broken connection at the end
    of the request, so the next request reconnects on its own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            log.warning("database unavailable on %s: %s", request.path, exception)
            from shuangjian.views import service_unavailable

            return service_unavailable(request)
        return None
