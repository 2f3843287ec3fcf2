"""Pages: the public complaint form and tracking page; the staff inbox, detail, workflow and other-channel entry."""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.scoping import is_city, role_of
from institutions.selectors import public_institution_named
from shuangjian.errors import ServiceError
from shuangjian.forms import add_service_errors
from shuangjian.qr import qr_svg

from .choices import TRANSITIONS, State
from .filtersets import InboxFilterSet
from .forms import (
    ACTION_FORMS,
    ACTION_OF_STATE,
    AssignForm,
    ComplaintForm,
    MatchTeacherForm,
    ReopenForm,
    RerouteForm,
    StaffComplaintForm,
    TrackForm,
)
from .models import Complaint, ComplaintEvent, ComplaintPhoto
from .selectors import complaint_inbox, complaint_track, possible_duplicates, public_status
from .services import (
    AlreadySubmitted,
    can_handle,
    can_reveal_contact,
    complaint_assign,
    complaint_contact_reveal,
    complaint_match_teacher,
    complaint_reopen,
    complaint_reroute,
    complaint_submit,
    complaint_transition,
    officer_name,
)
from .throttling import throttle_wait, throttled_message
from .uploads import check_request_size


def _throttled_page(request, wait):
    response = render(request, "complaints/throttled.html", {"message": throttled_message(wait)}, status=429)
    response["Retry-After"] = str(int(wait) + 1)
    return response


def _complaint_errors(form, exc: ServiceError) -> None:
    add_service_errors(form, exc, rename={"institution": "institution_name", "school": "school_name"})


#: the session key of the confirmations this browser may see: {tracking code: {"secret", "staff", "at"}}
CONFIRMATIONS = "complaint_confirmations"
CONFIRMATION_SECONDS = 60 * 60


def _remember_confirmation(request, complaint, secret: str, *, staff: bool) -> None:
    """Keep the one-time secret in this browser's (server-side) session for the confirmation page: after the
    redirect it is shown there, never carried in a URL; a resubmission of the same form shows it again."""
    now = int(timezone.now().timestamp())
    kept = {
        code: entry
        for code, entry in request.session.get(CONFIRMATIONS, {}).items()
        if now - entry.get("at", 0) < CONFIRMATION_SECONDS
    }
    kept[complaint.tracking_code] = {"secret": secret, "staff": staff, "at": now}
    request.session[CONFIRMATIONS] = kept


def _initial_from_query(request) -> dict:
    """A link may name the institution (its credit code) and the category, e.g. from a black-listed institution's
    warning: ``?institution=<credit code>&category=prepayment_refund``."""
    initial: dict = {"submission_token": uuid.uuid4()}
    if category := request.GET.get("category"):
        initial["category"] = category
    if code := request.GET.get("institution"):
        institution = public_institution_named(code)
        if institution is not None:
            initial.update(target_kind="institution", institution=institution.pk, institution_name=institution.name)
    return initial


def _submit_page(request, *, form_class, template, channel_staff):
    """The form; a valid POST files the complaint and redirects to its confirmation (post/redirect/get)."""
    if request.method == "POST":
        wait = None if channel_staff else throttle_wait(request, "public_submit")
        if wait is not None:
            return _throttled_page(request, wait)
        try:
            check_request_size(request)
        except ServiceError as exc:
            return render(request, "complaints/throttled.html", {"message": exc.message, "too_large": True}, status=413)
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            kwargs = form.service_kwargs()
            try:
                complaint, secret = complaint_submit(
                    actor=request.user if channel_staff else None, request=request, **kwargs
                )
            except AlreadySubmitted as exc:
                return redirect("complaints:submitted", tracking_code=exc.complaint.tracking_code)
            except ServiceError as exc:
                _complaint_errors(form, exc)
            else:
                _remember_confirmation(request, complaint, secret, staff=channel_staff)
                return redirect("complaints:submitted", tracking_code=complaint.tracking_code)
    else:
        form = form_class(initial=_initial_from_query(request))
    return render(request, template, {"form": form})


@never_cache
def submit(request):
    """The public complaint form (no login)."""
    return _submit_page(request, form_class=ComplaintForm, template="complaints/submit.html", channel_staff=False)


@never_cache
def submitted(request, tracking_code):
    """The confirmation of a complaint this browser filed: the tracking code, the one-time secret (with a copy
    button), the tracking link and its QR code. Any other browser gets a 404: the page is not the tracking page."""
    entry = request.session.get(CONFIRMATIONS, {}).get(tracking_code)
    if entry is None or int(timezone.now().timestamp()) - entry.get("at", 0) >= CONFIRMATION_SECONDS:
        raise Http404
    complaint = get_object_or_404(Complaint.objects.select_related("district"), tracking_code=tracking_code)
    track_url = request.build_absolute_uri(f"{reverse('complaints:track')}?{urlencode({'code': tracking_code})}")
    response = render(
        request,
        "complaints/submitted.html",
        {
            "complaint": complaint,
            "secret": entry["secret"],
            "staff": entry.get("staff", False),
            "track_url": track_url,
            "qr": qr_svg(track_url, title=_("查询办理进度的二维码")),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
def track(request):
    """Follow a complaint with its tracking code and secret; ask once to reopen it."""
    status = None
    form = TrackForm(initial={"tracking_code": (request.GET.get("code") or "").strip()[:20]})
    reopen_form = None
    if request.method == "POST":
        wait = throttle_wait(request, "public_submit" if request.POST.get("action") == "reopen" else "public_read")
        if wait is not None:
            return _throttled_page(request, wait)
        form_class = ReopenForm if request.POST.get("action") == "reopen" else TrackForm
        form = form_class(request.POST)
        if form.is_valid():
            complaint = complaint_track(
                tracking_code=form.cleaned_data["tracking_code"], secret=form.cleaned_data["secret"]
            )
            if complaint is None:
                form.add_error(None, _("查询码或查询密码不正确"))
            else:
                if form_class is ReopenForm:
                    try:
                        complaint = complaint_reopen(complaint=complaint, note=form.cleaned_data.get("note", ""))
                        messages.success(request, _("已申请重新处理。"))
                    except ServiceError as exc:
                        messages.error(request, exc.message)
                status = public_status(complaint)
                reopen_form = ReopenForm(
                    initial={"tracking_code": complaint.tracking_code, "secret": form.cleaned_data["secret"]}
                )
    return render(request, "complaints/track.html", {"form": form, "status": status, "reopen_form": reopen_form})


def _require_bureau(request):
    profile = role_of(request.user)
    if not (is_city(request.user) or (profile and profile.role == "district")):
        raise PermissionDenied(_("只有区、市教委工作人员可以办理投诉"))


@login_required
def inbox(request):
    """District staff's complaints, the nearest deadline first, filtered by state, department and category."""
    _require_bureau(request)
    filterset = InboxFilterSet(request.GET or None, queryset=complaint_inbox(user=request.user), user=request.user)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else complaint_inbox(user=request.user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    mine = request.GET.copy()
    mine.pop("page", None)
    mine["mine"] = "on"
    return render(
        request,
        "complaints/inbox.html",
        {
            "filter": filterset,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "query": query.urlencode(),
            "mine_query": mine.urlencode(),
            "showing_mine": filterset.is_bound and filterset.is_valid() and filterset.form.cleaned_data.get("mine"),
            "assigned_to_me": complaint_inbox(user=request.user).filter(assigned_to=request.user).count(),
        },
    )


@login_required
def staff_new(request):
    """Enter a complaint that came in by the 12345 hotline, e-mail, phone or letter."""
    _require_bureau(request)
    return _submit_page(
        request, form_class=StaffComplaintForm, template="complaints/staff_new.html", channel_staff=True
    )


def _complaint_for(request, pk):
    _require_bureau(request)
    qs = complaint_inbox(user=request.user).prefetch_related(
        Prefetch("events", queryset=ComplaintEvent.objects.select_related("actor").order_by("at", "id")), "photos"
    )
    return get_object_or_404(qs, pk=pk)


def _action_forms(complaint, *, bound=None) -> list:
    """The forms of the moves the complaint's state allows, each with only its fields (``bound`` replaces its
    unbound sibling when a post failed)."""
    forms = []
    for state in TRANSITIONS.get(complaint.state, ()):
        form_class = ACTION_FORMS[ACTION_OF_STATE[str(state)]]
        if bound is not None and isinstance(bound, form_class):
            forms.append(bound)
        else:
            forms.append(form_class(complaint=complaint, prefix=form_class.action))
    return forms


def _detail_page(
    request,
    complaint,
    *,
    contact=None,
    action_form=None,
    reroute_form=None,
    teacher_form=None,
    assign_form=None,
    status=200,
):
    handling = can_handle(request.user, complaint)
    open_case = complaint.state not in ("closed", "rejected")
    ctx = {
        "complaint": complaint,
        "contact": contact,
        "can_handle": handling,
        "can_reveal": can_reveal_contact(request.user, complaint) and not complaint.personal_data_erased_at,
        "action_forms": _action_forms(complaint, bound=action_form) if handling else [],
        "failed_action": getattr(action_form, "action", "") if action_form is not None else "",
        "reroute_form": reroute_form or RerouteForm(),
        "reroute_open": handling and open_case,
        "assign_form": (assign_form or AssignForm(complaint=complaint)) if handling and open_case else None,
        "teacher_form": teacher_form
        or (MatchTeacherForm(complaint=complaint) if complaint.target_kind == "teacher" else None),
        "duplicates": possible_duplicates(complaint, user=request.user),
    }
    return render(request, "complaints/detail.html", ctx, status=status)


@login_required
@never_cache
def detail(request, pk):
    complaint = _complaint_for(request, pk)
    return _detail_page(request, complaint)


@login_required
@require_POST
def transition(request, pk):
    """One of the detail page's action forms (``action``: accept, reject, investigate, resolve, close); a post
    naming only ``to_state`` (the earlier single form) is read by that state's action form."""
    complaint = _complaint_for(request, pk)
    action = request.POST.get("action") or ACTION_OF_STATE.get(request.POST.get("to_state", ""), "")
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        messages.error(request, _("请选择办理操作"))
        return _detail_page(request, complaint, status=400)
    form = form_class(request.POST, complaint=complaint, prefix=action if "action" in request.POST else None)
    if form.is_valid():
        try:
            complaint_transition(
                complaint=complaint,
                actor=request.user,
                to_state=form.to_state,
                request=request,
                **form.service_kwargs(),
            )
        except ServiceError as exc:
            _complaint_errors(form, exc)
            return _detail_page(request, complaint, action_form=form, status=400)
        messages.success(
            request,
            _("已办理：%(action)s，投诉现为“%(state)s”。")
            % {"action": form.title, "state": State(form.to_state).label},
        )
        return redirect("complaints:detail", pk=complaint.pk)
    return _detail_page(request, complaint, action_form=form, status=400)


@login_required
@require_POST
def assign(request, pk):
    """Assign the complaint to a named officer of its district."""
    complaint = _complaint_for(request, pk)
    form = AssignForm(request.POST, complaint=complaint)
    if form.is_valid():
        try:
            complaint_assign(
                complaint=complaint,
                actor=request.user,
                assignee=form.cleaned_data["assignee"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except ServiceError as exc:
            if exc.code == "permission_denied":
                raise PermissionDenied(exc.message) from exc
            _complaint_errors(form, exc)
            return _detail_page(request, complaint, assign_form=form, status=400)
        messages.success(request, _("已分配给 %(name)s。") % {"name": officer_name(form.cleaned_data["assignee"])})
        return redirect("complaints:detail", pk=complaint.pk)
    return _detail_page(request, complaint, assign_form=form, status=400)


@login_required
@require_POST
def reroute(request, pk):
    complaint = _complaint_for(request, pk)
    form = RerouteForm(request.POST)
    if form.is_valid():
        try:
            complaint_reroute(
                complaint=complaint,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                district=form.cleaned_data["district"],
                department=form.cleaned_data["department"],
                request=request,
            )
        except ServiceError as exc:
            _complaint_errors(form, exc)
            return _detail_page(request, complaint, reroute_form=form, status=400)
        messages.success(request, _("已转办。"))
        if complaint_inbox(user=request.user).filter(pk=complaint.pk).exists():
            return redirect("complaints:detail", pk=complaint.pk)
        return redirect("complaints:inbox")
    return _detail_page(request, complaint, reroute_form=form, status=400)


@login_required
@require_POST
def match_teacher(request, pk):
    complaint = _complaint_for(request, pk)
    form = MatchTeacherForm(request.POST, complaint=complaint)
    if form.is_valid():
        try:
            complaint_match_teacher(
                complaint=complaint, actor=request.user, teacher=form.cleaned_data["teacher"], request=request
            )
        except ServiceError as exc:
            _complaint_errors(form, exc)
            return _detail_page(request, complaint, teacher_form=form, status=400)
        messages.success(request, _("已关联在职教师。"))
        return redirect("complaints:detail", pk=complaint.pk)
    return _detail_page(request, complaint, teacher_form=form, status=400)


@login_required
@require_POST
@never_cache
def contact(request, pk):
    """Show the full contact details once, recording the view."""
    complaint = _complaint_for(request, pk)
    try:
        shown = complaint_contact_reveal(complaint=complaint, user=request.user, request=request)
    except ServiceError as exc:
        raise PermissionDenied(exc.message) from None
    response = _detail_page(request, complaint, contact=shown)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def photo(request, pk, photo_id):
    complaint = _complaint_for(request, pk)
    item = get_object_or_404(ComplaintPhoto.objects.filter(complaint=complaint), pk=photo_id)
    try:
        handle = item.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=item.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
