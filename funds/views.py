"""Pages: the funds overview (district and city staff), supervised accounts, statement import, refund requests
(staff and institution), attendance (institution), and the public refund request and tracking pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.permissions import require_role
from accounts.scoping import is_city, role_name
from complaints.throttling import throttle_wait, throttled_message
from compliance.parameters import MissingParameter, parameter_value
from institutions.forms import UploadForm
from institutions.models import Institution, Prepayment, Session
from institutions.tabular import XLSX_MIME
from shuangjian.errors import ServiceError
from shuangjian.forms import add_service_errors

from . import imports, selectors, services
from .choices import RefundState
from .forms import AccountForm, AttendanceForm, RefundAnswerForm, RefundRequestForm, RefundTrackForm
from .models import Attendance, RefundRequest

BUREAU = {Role.CITY, Role.DISTRICT}
SORTS = {"requested": "requested_on", "-requested": "-requested_on", "due": "due_on", "-due": "-due_on"}


# --- overview and accounts ----------------------------------------------------------------------------------


@login_required
def overview(request):
    """Money under supervision, undelivered value, coverage, the risk list ranked by shortfall, refunds."""
    require_role(request, BUREAU)
    try:
        ratio = parameter_value("custody_min_ratio", on=timezone.localdate())
    except MissingParameter:
        ratio = 1
    from decimal import Decimal

    data = selectors.funds_overview(user=request.user, ratio=Decimal(str(ratio)))
    page = Paginator(data["risks"], 25).get_page(request.GET.get("page"))
    return render(request, "funds/overview.html", {"data": data, "risks": page, "city": is_city(request.user)})


@login_required
def account_list(request):
    require_role(request, BUREAU | {Role.INSTITUTION})
    rows = selectors.account_list(request.user).order_by("institution__name", "-opened_on")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "funds/accounts.html", {"page": page, "can_register": role_name(request.user) in BUREAU})


@login_required
def account_register(request):
    require_role(request, BUREAU)
    form = AccountForm(request.POST or None, user=request.user, initial={"institution": request.GET.get("institution")})
    if request.method == "POST" and form.is_valid():
        try:
            services.account_register(actor=request.user, request=request, **form.cleaned_data)
        except ServiceError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("监管账户已登记"))
            return redirect("funds:accounts")
    return render(request, "funds/account_form.html", {"form": form}, status=400 if form.errors else 200)


# --- statements -----------------------------------------------------------------------------------------------


@login_required
def statement_import(request):
    require_role(request, BUREAU)
    form = UploadForm(request.POST or None, request.FILES or None)
    errors, result = [], None
    if request.method == "POST" and form.is_valid():
        try:
            result = imports.statement_file_import(actor=request.user, file=form.cleaned_data["file"], request=request)
        except services.StatementRejected as exc:
            headers = {c.key: str(c.label) for c in imports.COLUMNS}
            errors = [{**e, "column": headers.get(e["field"], e["field"])} for e in exc.rows]
        except ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(
                request,
                _("导入成功：对账单 %(s)d 份（新增 %(c)d 份），交易 %(n)d 笔，已导入过的 %(k)d 笔跳过")
                % {
                    "s": result.statements,
                    "c": result.created_statements,
                    "n": result.lines,
                    "k": result.skipped_lines,
                },
            )
            return redirect("funds:statement-import")
    return render(
        request,
        "funds/import.html",
        {"form": form, "errors": errors, "columns": imports.COLUMNS},
        status=400 if errors or form.errors else 200,
    )


@login_required
def statement_template(request):
    require_role(request, BUREAU)
    response = HttpResponse(imports.template_xlsx(), content_type=XLSX_MIME)
    response["Content-Disposition"] = 'attachment; filename="bank-statement-template.xlsx"'
    return response


# --- attendance ------------------------------------------------------------------------------------------------


@login_required
def attendance(request, session_pk):
    """The institution ticks the enrolled pupils (prepayments of the course) who attended a session."""
    require_role(request, {Role.INSTITUTION})
    session = get_object_or_404(
        Session.objects.visible_to(request.user).select_related("course__institution"), pk=session_pk
    )
    enrolled = Prepayment.objects.filter(course=session.course).order_by("receipt_no", "id")
    choices = [(str(p.pk), f"{p.receipt_no or p.pk}（{p.class_hours} 课时）") for p in enrolled]
    attended = set(Attendance.objects.filter(session=session).values_list("prepayment_id", flat=True))
    form = AttendanceForm(request.POST or None, choices=choices, initial={"prepayments": [str(i) for i in attended]})
    if request.method == "POST" and form.is_valid():
        try:
            n = services.attendance_record(
                actor=request.user, session=session, prepayment_ids=form.cleaned_data["prepayments"], request=request
            )
        except ServiceError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记上课 %(n)d 人次") % {"n": n})
            return redirect("funds:attendance", session_pk=session.pk)
    return render(request, "funds/attendance.html", {"form": form, "session": session, "attended": len(attended)})


# --- refund requests: staff and institution ----------------------------------------------------------------------


@login_required
def refund_list(request):
    require_role(request, BUREAU | {Role.INSTITUTION})
    rows = selectors.refund_list(request.user)
    state = request.GET.get("state")
    if state in RefundState.values:
        rows = rows.filter(state=state)
    rows = rows.order_by(SORTS.get(request.GET.get("sort"), "-requested_on"), "-id")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "funds/refunds.html",
        {"page": page, "states": RefundState.choices, "state": state, "sort": request.GET.get("sort", "")},
    )


def _refund_for(request, pk) -> RefundRequest:
    require_role(request, BUREAU | {Role.INSTITUTION})
    return get_object_or_404(selectors.refund_list(request.user), pk=pk)


@login_required
def refund_detail(request, pk):
    refund = _refund_for(request, pk)
    role = role_name(request.user)
    form = None
    if role == Role.INSTITUTION and refund.state == RefundState.REQUESTED:
        form = RefundAnswerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            accept = form.cleaned_data["decision"] == "accept"
            try:
                services.refund_decide(
                    actor=request.user,
                    refund=refund,
                    accept=accept,
                    amount=form.cleaned_data.get("amount"),
                    reason=form.cleaned_data.get("reason") or "",
                    request=request,
                )
            except ServiceError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已答复退费申请"))
                return redirect("funds:refund-detail", pk=refund.pk)
    elif request.method == "POST":
        raise PermissionDenied(_("您的角色无权答复此申请"))
    undelivered = selectors.with_undelivered(Prepayment.objects.filter(pk=refund.prepayment_id)).first()
    return render(
        request,
        "funds/refund_detail.html",
        {
            "refund": refund,
            "form": form,
            "undelivered": undelivered.undelivered if undelivered else None,
            "can_escalate": role in BUREAU and refund.complaint_id is None,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
def refund_escalate(request, pk):
    refund = _refund_for(request, pk)
    require_role(request, BUREAU)
    try:
        complaint = services.refund_to_complaint(actor=request.user, refund=refund, request=request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("funds:refund-detail", pk=refund.pk)
    messages.success(request, _("已转为投诉 %(code)s") % {"code": complaint.tracking_code})
    return redirect("complaints:detail", pk=complaint.pk)


# --- public: request and track ------------------------------------------------------------------------------------


def _throttled(request, wait):
    response = render(request, "complaints/throttled.html", {"message": throttled_message(wait)}, status=429)
    response["Retry-After"] = str(int(wait) + 1)
    return response


def _institution_named(text: str):
    text = (text or "").strip()
    if not text:
        return None
    found = list(Institution.objects.filter(Q(credit_code=text.upper()) | Q(name=text)).select_related("district")[:2])
    return found[0] if len(found) == 1 else None


@never_cache
def refund_request(request):
    """A parent asks for the undelivered lessons of a prepayment back (no login)."""
    form = RefundRequestForm(request.POST or None)
    if request.method == "POST":
        wait = throttle_wait(request, "public_submit")
        if wait is not None:
            return _throttled(request, wait)
        if form.is_valid():
            data = form.cleaned_data
            institution = _institution_named(data["institution"])
            try:
                if institution is None:
                    raise ServiceError(
                        _("找不到该培训机构"), fields={"institution": [_("请填写机构全称或统一社会信用代码")]}
                    )
                refund, secret = services.refund_request_submit(
                    institution=institution,
                    receipt_no=data["receipt_no"],
                    contact_phone=data["contact_phone"],
                    contact_name=data["contact_name"],
                    reason=data["reason"],
                )
            except ServiceError as exc:
                add_service_errors(form, exc)
            else:
                response = render(request, "funds/refund_submitted.html", {"refund": refund, "secret": secret})
                response["Cache-Control"] = "no-store"
                return response
    return render(request, "funds/refund_request.html", {"form": form}, status=400 if form.errors else 200)


@never_cache
def refund_track(request):
    form = RefundTrackForm(request.POST or None)
    refund = None
    if request.method == "POST":
        wait = throttle_wait(request, "public_read")
        if wait is not None:
            return _throttled(request, wait)
        if form.is_valid():
            refund = services.refund_track(
                tracking_code=form.cleaned_data["tracking_code"], secret=form.cleaned_data["secret"]
            )
            if refund is None:
                form.add_error(None, _("查询码或查询密码不正确"))
    return render(request, "funds/refund_track.html", {"form": form, "refund": refund})
