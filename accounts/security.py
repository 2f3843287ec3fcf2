"""Login lockout pieces for django-axes: the backend and the lockout response."""

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a login while its username or its address is locked out.

    Every login over HTTP (the login page, the admin, the token endpoint) passes
    the request. A call without one (``Client.login`` in tests, a shell) has no
    address to count against, so the check is skipped and the next backend
    decides; axes itself cannot count those failures either.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_minutes(request=None) -> int:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds() // 60) if cool_off else 0


def lockout_message(request=None) -> str:
    return _("登录失败次数过多（%(limit)s 次），该账号或地址已被暂时锁定 %(minutes)s 分钟，请稍后再试。") % {
        "limit": settings.AXES_FAILURE_LIMIT,
        "minutes": lockout_minutes(request),
    }


def lockout_response(request, original_response=None, credentials=None):
    """The answer to a locked-out login: the API's error shape under /api/, a page elsewhere."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    minutes = lockout_minutes(request)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message(request), "code": "locked_out", "fields": {}}, status=status)
    else:
        response = render(
            request,
            "accounts/lockout.html",
            {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
            status=status,
        )
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response
