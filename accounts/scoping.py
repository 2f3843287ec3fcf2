"""The one scoping mechanism: which rows a user may see.

Every model that holds bureau data declares ``scope_paths``: for each bounded
role (``district``, ``school``, ``institution``) the lookup that leads from
the model to that role's anchor id (``"school__district_id"``). A path across
a to-many relation (``"schools__id"``) matches one anchor id, so it never
duplicates rows. ``restrict(queryset, user)`` applies it:

- city staff (and superusers) see everything;
- a district, school or institution user sees the rows whose path leads to
  their own district, school or institution;
- a role the model declares no path for sees nothing, as does a user with
  no role at all.

Pages and API viewsets both call ``restrict`` (the API through
``ScopedViewSetMixin``), so nothing filters by district by hand, and an
object outside the caller's scope is simply not found (404). ``allows``
answers the same question for one object already loaded (a user's own
district, loaded with the user), without a query.
"""

from django.db import models

from .choices import Role


def role_of(user):
    """The user's Profile, or None for anonymous users and users without a role."""
    if not getattr(user, "is_authenticated", False):
        return None
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return user.profile
    except ObjectDoesNotExist:
        return None


def is_city(user) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    profile = role_of(user)
    return bool(profile and profile.role == Role.CITY)


def role_name(user) -> str | None:
    """The caller's role (``Role``): city for a superuser too; None without a role."""
    if is_city(user):
        return Role.CITY
    profile = role_of(user)
    return profile.role if profile else None


def anchor_id(profile):
    return {
        Role.DISTRICT: profile.district_id,
        Role.SCHOOL: profile.school_id,
        Role.INSTITUTION: profile.institution_id,
        Role.BANK: profile.bank_id,
    }.get(profile.role)


def restrict(queryset, user):
    """Return ``queryset`` limited to what ``user`` may see."""
    if is_city(user):
        return queryset
    profile = role_of(user)
    if profile is None:
        return queryset.none()
    paths = getattr(queryset.model, "scope_paths", {})
    path = paths.get(profile.role)
    if path is None:
        return queryset.none()
    qs = queryset.filter(**{path: anchor_id(profile)})
    return qs


def allows(user, instance) -> bool | None:
    """Whether ``restrict`` would let ``user`` see ``instance``, answered from the instance without a query.

    None when the model's path for the user's role crosses a relation (``"school__district_id"``): then only
    ``restrict`` on a queryset can answer.
    """
    if is_city(user):
        return True
    profile = role_of(user)
    if profile is None:
        return False
    path = getattr(type(instance), "scope_paths", {}).get(profile.role)
    if path is None:
        return False
    if "__" in path:
        return None
    return getattr(instance, path) == anchor_id(profile)


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        return restrict(self, user)
