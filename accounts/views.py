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
