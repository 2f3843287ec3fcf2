"""``{{ x.actor|actor_name }}``: who did something, a person's name, or "系统" when no person did it (a compliance
sweep, an import, the seed data). The one way templates name an actor."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def actor_name(user, system_label=""):
    """The user's full name (or username); ``system_label`` (or "系统") when there is no user."""
    if user is None or user == "":
        return system_label or _("系统")
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return full or getattr(user, "username", "") or str(user)
