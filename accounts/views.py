"""The landing page: one per role, each showing what that role works on; the audit trail; passwords."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from .choices import Role
from .scoping import is_city, role_of
from .selectors import landing_context, may_reset_passwords, public_links, users_resettable_by
from .services import password_change as password_change_service
from .services import password_reset as password_reset_service


def home(request):
    profile = role_of(request.user)
    if not (profile or is_city(request.user)):
        return render(request, "accounts/home_public.html", {"links": public_links()})
    role = Role.CITY if is_city(request.user) else profile.role
    return render(request, f"accounts/home_{role}.html", landing_context(user=request.user, role=role))


def audit_list(request):
    """The audit trail for city staff (审计日志), searchable and paged."""
    from django.conf import settings
    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied
    from django.core.paginator import Paginator

    from .filtersets import AuditEventFilterSet
    from .models import AuditEvent

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_city(request.user):
        raise PermissionDenied
    filterset = AuditEventFilterSet(request.GET or None, queryset=AuditEvent.objects.select_related("district"))
    events = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    from .selectors import audit_events_readable

    page.object_list = audit_events_readable(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query.urlencode(),
            "retention_days": settings.AUDIT_RETENTION_DAYS,
        },
    )


# --- passwords ------------------------------------------------------------------------------------------


@login_required
@sensitive_post_parameters()
@never_cache
def password_change(request):
    """The user's own password change (修改密码): the old password, the new one twice, Django's validators.

    Also where a user whose password an administrator reset is sent until they choose their own. The other
    sessions of the user end and their API tokens are revoked; this session goes on.
    """
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_change_service(user=request.user, new_password=form.cleaned_data["new_password1"], request=request)
        update_session_auth_hash(request, request.user)
        messages.success(request, _("密码已修改。其他设备上的登录和全部 API 令牌已失效。"))
        target = request.POST.get("next") or request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("home")
        return redirect(target)
    profile = role_of(request.user)
    return render(
        request,
        "accounts/password_change.html",
        {
            "form": form,
            "forced": bool(profile and profile.must_change_password),
            "next": request.GET.get("next", ""),
        },
    )


def _administrator(request):
    if not may_reset_passwords(request.user):
        raise PermissionDenied


@login_required
def users(request):
    """The accounts an administrator may reset (用户密码重置): city staff see all, district staff their district's."""
    _administrator(request)
    accounts = users_resettable_by(actor=request.user)
    return render(request, "accounts/users.html", {"accounts": accounts})


@login_required
@never_cache
def user_password_reset(request, pk):
    """Confirm (GET), then reset (POST) one account's password: the one-time password is shown once, on the
    answer to the POST, which no cache keeps."""
    _administrator(request)
    account = get_object_or_404(users_resettable_by(actor=request.user), pk=pk)
    if request.method == "POST":
        password = password_reset_service(actor=request.user, user=account, request=request)
        return render(request, "accounts/password_reset_done.html", {"account": account, "password": password})
    return render(request, "accounts/password_reset_confirm.html", {"account": account})
