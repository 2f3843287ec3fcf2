"""Rate limits of the public endpoints, shared by the API and the HTML pages (per client address)."""

from django.utils.translation import gettext as _

from accounts.audit import client_ip
from shuangjian.throttling import FailsafeScopedRateThrottle


class PublicRateThrottle(FailsafeScopedRateThrottle):
    """A scoped rate per client address (counted in process memory while the shared cache is down).

    DRF trusts any ``X-Forwarded-For`` header when ``NUM_PROXIES`` is unset,
    so a flooder could pick a new address per request. The address is the
    project's one notion of it (``accounts.audit.client_ip``): ``REMOTE_ADDR``,
    or what the outermost of ``TRUSTED_PROXY_COUNT`` proxies saw.
    """

    def get_ident(self, request):
        return client_ip(request) or "unknown"


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
        "s": int(wait or 1) + (0 if float(wait or 1).is_integer() else 1)
    }
