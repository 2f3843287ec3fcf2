from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from .choices import STAFF_ROLES, Role
from .scoping import is_city, role_name, role_of


def require_role(request, roles) -> None:
    """A page for some roles only: anyone else gets the portal's 403 page."""
    if role_name(request.user) not in roles:
        raise PermissionDenied(_("您的角色无权打开此页面"))


class IsStaffRole(BasePermission):
    """Default for the API: a logged-in user with a role (or a superuser)."""

    message = "需要登录的工作人员账号 / A staff account is required."

    def has_permission(self, request, view):
        if is_city(request.user):
            return True
        profile = role_of(request.user)
        return profile is not None and profile.role in STAFF_ROLES


class IsBankRole(BasePermission):
    """A custodian bank's token: only the statement endpoint (``funds.api``) lets it in."""

    message = "仅限存管银行接口 / Custodian bank systems only."

    def has_permission(self, request, view):
        profile = role_of(request.user)
        return bool(profile and profile.role == Role.BANK)


class WriteRoles(BasePermission):
    """Writes allowed only for the roles the viewset declares."""

    message = "您的角色无权修改此数据 / Your role may not change this data."

    def __init__(self, roles):
        self.roles = frozenset(roles)

    def has_permission(self, request, view):
        if is_city(request.user):
            return "city" in self.roles
        profile = role_of(request.user)
        return bool(profile and profile.role in self.roles)


class IsCityStaff(BasePermission):
    """City bureau staff (or a superuser) only: the audit trail."""

    message = "仅限市教委工作人员 / City bureau staff only."

    def has_permission(self, request, view):
        return is_city(request.user)
