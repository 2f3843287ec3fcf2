"""Writes of the accounts app: API tokens, password changes and administrator resets.

Revoking API tokens on a password change or a deactivation is not done here: a
trigger on the user table deletes a user's tokens whenever the stored password
changes or the account is deactivated (migration ``0003``), whatever path did it
(these services, the Django admin, ``manage.py changepassword``, a shell). Other
browser sessions end by themselves: Django keeps a hash of the password in each
session and refuses a session whose hash no longer matches.
"""

from __future__ import annotations

import secrets

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from knox.models import get_token_model

from .audit import audit_record
from .models import AuditAction, Profile
from .scoping import role_of

#: no 0/O, 1/l/I: the one-time password is read off a screen and typed in
_ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def api_token_create(*, user):
    """Issue a new API token for ``user``: returns ``(AuthToken, key)``. Only the key's digest is stored, so the
    key is shown once, to the caller. The user's expired tokens are deleted on the way (the authentication
    class checks only the presented token's expiry)."""
    model = get_token_model()
    model.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    return model.objects.create(user=user)


def api_token_revoke(*, token) -> None:
    """Revoke one API token (the caller's own, ``DELETE /api/v1/auth/token/``)."""
    token.delete()


def api_tokens_revoke_if_username_locked(*, username: str) -> int:
    """After a lockout: delete the API tokens of ``username`` when the username itself has reached the failure
    limit (a lockout of the address alone says nothing about the accounts tried from it). Returns how many
    tokens were deleted."""
    if not username:
        return 0
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = (
        AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
            n=Sum("failures_since_start")
        )["n"]
        or 0
    )
    if failures < settings.AXES_FAILURE_LIMIT:
        return 0
    deleted, _ = get_token_model().objects.filter(user__username=username).delete()
    return deleted


def _district_id(user):
    profile = role_of(user)
    if profile is None:
        return None
    if profile.district_id:
        return profile.district_id
    anchor = profile.school or profile.institution
    return anchor.district_id if anchor is not None else None


def password_change(*, user, new_password: str, request=None) -> None:
    """The user's own password change (修改密码): the new password is checked against the validators by the
    form; the must-change flag an administrator's reset set is cleared. Recorded in the audit trail (never
    the password). The user's API tokens are deleted by the database (see the module docstring)."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        Profile.objects.filter(user=user, must_change_password=True).update(must_change_password=False)
        profile = role_of(user)
        if profile is not None:
            profile.must_change_password = False
        audit_record(
            actor=user,
            action=AuditAction.PASSWORD_CHANGE,
            obj=user,
            district=_district_id(user),
            detail={"by": "self"},
            request=request,
        )


def one_time_password(user=None) -> str:
    """Sixteen characters in four groups (about 93 bits), checked against the password validators."""
    while True:
        password = "-".join("".join(secrets.choice(_ONE_TIME_ALPHABET) for _ in range(4)) for _ in range(4))
        try:
            validate_password(password, user)
        except Exception:  # noqa: BLE001 - a (vanishingly rare) refused draw: draw again
            continue
        return password


def password_reset(*, actor, user, request=None) -> str:
    """An administrator's reset of ``user``'s password (重置密码): returns a one-time password to show the
    administrator once. The user must change it at their next login (every page leads to the change-password
    page, the API refuses with 403 until then). ``actor`` must have ``user`` in
    ``accounts.selectors.users_resettable_by``; otherwise ``PermissionDenied``. Recorded in the audit trail
    (never the password); the user's API tokens are deleted and their sessions end (module docstring)."""
    from .selectors import users_resettable_by

    if not users_resettable_by(actor=actor).filter(pk=user.pk).exists():
        raise PermissionDenied
    password = one_time_password(user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        Profile.objects.filter(user=user).update(must_change_password=True)
        audit_record(
            actor=actor,
            action=AuditAction.PASSWORD_RESET,
            obj=user,
            district=_district_id(user),
            detail={"by": "administrator", "user": user.get_username()},
            request=request,
        )
    return password
