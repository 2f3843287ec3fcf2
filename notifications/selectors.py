"""Reads of the notifications app: a user's inbox, the unread count, who a scope's staff are."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from accounts.choices import Role

from .models import Notification, NotificationSetting


def notifications_for(*, user) -> QuerySet[Notification]:
    """The user's own notifications, newest first (another user's are never in it: a 404 by id)."""
    return Notification.objects.for_user(user).order_by("-created_at", "-id")


def inbox(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """The inbox page: unread first, then newest first."""
    qs = Notification.objects.for_user(user)
    if unread_only:
        return qs.unread().order_by("-created_at", "-id")
    return qs.annotate(is_unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())).order_by(
        "-is_unread", "-created_at", "-id"
    )


def unread_count(*, user) -> int:
    """One query on the partial index of unread rows."""
    return Notification.objects.for_user(user).unread().count()


def email_enabled(*, user) -> bool:
    """Whether the user wants notification e-mail (on unless they switched it off)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return not NotificationSetting.objects.filter(user_id=user.pk, email_enabled=False).exists()


def staff_of(*, role: str, district=None, school=None, institution=None) -> QuerySet:
    """The active users acting for a scope: a district's bureau staff, a school's or an institution's staff,
    or (no scope) the city bureau's."""
    users = get_user_model().objects.filter(is_active=True, profile__role=role)
    if role == Role.DISTRICT:
        users = users.filter(profile__district=district)
    elif role == Role.SCHOOL:
        users = users.filter(profile__school=school)
    elif role == Role.INSTITUTION:
        users = users.filter(profile__institution=institution)
    return users.order_by("pk")
