"""Cross-cutting request handling: the 12-hour session cap, the denied-access audit, the
change-password requirement after a reset, and a clean 503 page while the database is unavailable."""

import logging
import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.urls import reverse

from .audit import denied_request_record
from .authentication import PasswordChangeRequired
from .scoping import role_of
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
    """Records every 401 and 403, and every 404 an authenticated user meets (which is how an object
    outside the caller's scope answers): the first of each (address, account, URL pattern, minute) as an
    ``access_denied`` audit event, the repeats as a count (``accounts.audit.denied_request_record``)."""

    SKIP_PREFIXES = ("/static/", "/media/", "/favicon")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        if status in (401, 403) or (status == 404 and self._authenticated(request)):
            if not request.path.startswith(self.SKIP_PREFIXES):
                denied_request_record(request=request, status=status)
        return response

    @staticmethod
    def _authenticated(request):
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)


class PasswordChangeRequiredMiddleware:
    """While an administrator's reset is not followed by the user's own new password (``Profile.
    must_change_password``), every page redirects to the change-password page and the API answers 403.

    Logging out, switching the language and static files stay open. API calls with a token are refused by
    ``accounts.authentication.TokenAuthentication`` (the token is only known inside DRF); here the session's
    user is checked. Place after ``AuthenticationMiddleware``.
    """

    OPEN_PREFIXES = ("/static/", "/media/", "/i18n/", "/favicon")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        profile = role_of(getattr(request, "user", None))
        if profile is not None and profile.must_change_password:
            change = reverse("password-change")
            if request.path not in (change, reverse("logout")) and not request.path.startswith(self.OPEN_PREFIXES):
                if request.path.startswith("/api/"):
                    refused = PasswordChangeRequired()
                    return JsonResponse(
                        {"detail": str(refused.detail), "code": refused.default_code, "fields": {}}, status=403
                    )
                return redirect_to_login(request.get_full_path(), change, "next")
        return self.get_response(request)


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
