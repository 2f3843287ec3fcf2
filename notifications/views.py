"""Pages: a user's inbox (站内消息), opening a notification, marking all read, the e-mail switch.

Every page shows the signed-in user's own notifications only (``selectors``); another user's notification is
a 404. Views never write: the services do.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .forms import EmailSettingForm

PAGE_SIZE = 30


@login_required
@require_GET
def inbox(request):
    """The user's notifications: unread first, newest first; ``?unread=1`` for the unread ones only."""
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox(user=request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "unread_only": unread_only,
            "query": "unread=1&" if unread_only else "",
            "email_enabled": selectors.email_enabled(user=request.user),
            "has_email": bool(request.user.email),
        },
    )


@login_required
@require_POST
def read(request, pk):
    """Open a notification: mark it read and go to what it is about (the inbox when it links nowhere)."""
    notification = get_object_or_404(selectors.notifications_for(user=request.user), pk=pk)
    services.notification_mark_read(notification=notification)
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("notifications:inbox")
    return redirect(target)


@login_required
@require_POST
def read_all(request):
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(n)d 条消息标为已读。") % {"n": count})
    return redirect("notifications:inbox")


@login_required
def email_setting(request):
    """Switch notification e-mail on or off (on by default)."""
    form = EmailSettingForm(
        request.POST if request.method == "POST" else None,
        initial={"email_enabled": selectors.email_enabled(user=request.user)},
    )
    if request.method == "POST" and form.is_valid():
        enabled = form.cleaned_data["email_enabled"]
        services.notification_email_set(user=request.user, enabled=enabled)
        messages.success(request, _("已开启邮件提醒。") if enabled else _("已关闭邮件提醒。"))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form, "has_email": bool(request.user.email)})
