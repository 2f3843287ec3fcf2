"""Audit receivers: logins, failed logins and lockouts, logouts, and admin changes; a lockout's token revocation.

Connected in ``AccountsConfig.ready``. ``axes`` is installed before ``accounts``
so its failure handler has flagged a lockout before ours reads the flag.
"""

import time

from axes.signals import user_locked_out
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry, LogEntryManager
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_save
from django.dispatch import receiver

from .audit import audit_record_safely, district_id_of
from .models import AuditAction, AuditOutcome

#: session key holding when the user logged in (epoch seconds); read by SessionMaxAgeMiddleware
SESSION_STARTED_KEY = "_auth_started_at"


@receiver(user_logged_in, dispatch_uid="audit_login")
def on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STARTED_KEY] = int(time.time())
    audit_record_safely(actor=user, action=AuditAction.LOGIN, request=request, detail={"method": "session"})


@receiver(user_logged_out, dispatch_uid="audit_logout")
def on_logout(sender, request, user, **kwargs):
    reason = getattr(request, "_logout_reason", "user") if request is not None else "user"
    audit_record_safely(actor=user, action=AuditAction.LOGOUT, request=request, detail={"reason": reason})


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    # credentials arrive cleansed by Django (the password is masked); keep only the username
    username = str(credentials.get("username") or "")[:150]
    locked = bool(getattr(request, "axes_locked_out", False))
    audit_record_safely(
        actor=None,
        actor_label=username,
        action=AuditAction.LOCKED_OUT if locked else AuditAction.LOGIN_FAILED,
        outcome=AuditOutcome.DENIED if locked else AuditOutcome.FAILED,
        object_type="auth.user",
        object_repr=username,
        request=request,
    )


@receiver(user_locked_out, dispatch_uid="revoke_tokens_on_lockout")
def on_locked_out(sender, request=None, username=None, **kwargs):
    """A username locked out for repeated failures loses its API tokens too: whoever was guessing may
    already hold one, and a token outlives the lockout."""
    from .services import api_tokens_revoke_if_username_locked

    api_tokens_revoke_if_username_locked(username=username or "")


_ADMIN_ACTIONS = {ADDITION: AuditAction.CREATE, CHANGE: AuditAction.UPDATE, DELETION: AuditAction.DELETE}


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_logentry")
def on_admin_change(sender, instance, created, **kwargs):
    if created:
        _record_log_entry(instance)


def _edited_district(entry):
    """The district of the object an admin log entry is about (the admin logs before it deletes), or None."""
    try:
        return district_id_of(entry.get_edited_object())
    except (ObjectDoesNotExist, AttributeError, ValueError):
        return None


def _record_log_entry(instance):
    content_type = instance.content_type
    audit_record_safely(
        district=_edited_district(instance),
        actor=instance.user,
        action=_ADMIN_ACTIONS.get(instance.action_flag, AuditAction.UPDATE),
        object_type=f"{content_type.app_label}.{content_type.model}" if content_type else "",
        object_id=instance.object_id or "",
        object_repr=instance.object_repr or "",
        detail={"via": "admin", "change": instance.get_change_message()},
    )


def install_bulk_log_hook():
    """The admin writes the log of a bulk deletion with ``bulk_create``, which sends no
    ``post_save``; wrap ``LogEntryManager.log_actions`` so those entries are audited too."""
    original = LogEntryManager.log_actions
    if getattr(original, "_audited", False):
        return

    def log_actions(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if isinstance(result, list) and len(result) > 1:  # a single entry went through save()
            for entry in result:
                _record_log_entry(entry)
        return result

    log_actions._audited = True
    LogEntryManager.log_actions = log_actions
