"""The landing page: one per role, each showing what that role works on."""

from django.shortcuts import render

from .choices import Role
from .scoping import is_city, role_of
from .selectors import landing_context, public_links


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
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_list.html",
        {"filterset": filterset, "page": page, "query": query.urlencode(), "retention_days": settings.AUDIT_RETENTION_DAYS},
    )
