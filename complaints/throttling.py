"""Rate limits of the public endpoints, shared by the API and the HTML pages (per client address)."""

from django.utils.translation import gettext as _
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class PublicRateThrottle(ScopedRateThrottle):
    """A scoped rate per client address.

    DRF trusts any ``X-Forwarded-For`` header when ``NUM_PROXIES`` is unset,
    so a flooder could pick a new address per request; unless the deployment
    declares its proxies, the socket's address is the client.
    """

    def get_ident(self, request):
        if api_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR") or "unknown"
        return super().get_ident(request)


class _Scope:
    def __init__(self, scope):
        self.throttle_scope = scope


def throttle_wait(request, scope: str) -> float | None:
    """None when ``request`` may go ahead under ``scope``; otherwise the seconds to wait. Counts the request."""
    throttle = PublicRateThrottle()
    if throttle.allow_request(request, _Scope(scope)):
        return None
    return throttle.wait() or 1


def throttled_message(wait) -> str:
    return _("提交过于频繁，请 %(s)d 秒后再试。/ Too many requests from your network, try again in %(s)d seconds.") % {
        "s": int(wait or 1) + (0 if float(wait or 1).is_integer() else 1)}
