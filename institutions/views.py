"""Pages of the registry: staff list/detail/forms, imports and export, the institution's own page, and the
public look-up (no login, rate-limited, disclosed data only)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.permissions import require_role
from accounts.scoping import restrict, role_name, role_of
from shuangjian.errors import ServiceError
from shuangjian.forms import add_service_errors

from . import imports, selectors, services, tabular
from .api.views import PublicReadThrottle
from .choices import Category, LicenceStatus, ListStatus
from .forms import RECORD_KINDS, InstitutionForm, ListStatusForm, LookupForm, UploadForm
from .models import EnrolmentFiling, Institution, Prepayment, Session

STAFF = {Role.CITY, Role.DISTRICT}


@login_required
def institution_list(request):
    require_role(request, STAFF)
    params = {k: request.GET.get(k, "") for k in ("q", "category", "licence_status", "list_status", "sort")}
    qs = selectors.institution_list(
        user=request.user, **{k: v for k, v in params.items() if k != "sort"}, sort=params["sort"] or "name"
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "institutions/list.html",
        {
            "page": page,
            "params": params,
            "query": query.urlencode(),
            "categories": Category.choices,
            "licence_statuses": LicenceStatus.choices,
            "list_statuses": ListStatus.choices,
            "sorts": [
                ("name", _("名称")),
                ("code", _("信用代码")),
                ("district", _("所在区")),
                ("-approved", _("审批日期（新→旧）")),
                ("-updated", _("最近更新")),
            ],
        },
    )


def _detail_context(request, institution):
    role = role_name(request.user)
    return {
        "institution": institution,
        "sessions": restrict(
            Session.objects.filter(course__institution=institution).select_related("course", "site"), request.user
        ).order_by("-starts_at")[:50],
        "filings": restrict(
            EnrolmentFiling.objects.filter(course__institution=institution).select_related("course"), request.user
        ),
        "prepayments": restrict(
            Prepayment.objects.filter(course__institution=institution).select_related("course"), request.user
        ),
        "can_edit": role in STAFF,
        "can_write": {kind: role in spec[2] for kind, spec in RECORD_KINDS.items()},
        "kinds": {kind: spec[3] for kind, spec in RECORD_KINDS.items()},
    }


@login_required
def institution_detail(request, pk):
    require_role(request, STAFF | {Role.INSTITUTION})
    try:
        institution = selectors.institution_detail(user=request.user, pk=pk)
    except Institution.DoesNotExist:
        raise Http404 from None
    return render(request, "institutions/detail.html", _detail_context(request, institution))


@login_required
def institution_mine(request):
    require_role(request, {Role.INSTITUTION})
    try:
        institution = selectors.institution_detail(user=request.user, pk=role_of(request.user).institution_id)
    except Institution.DoesNotExist:
        raise Http404(_("您的账号未关联培训机构")) from None
    return render(request, "institutions/detail.html", {**_detail_context(request, institution), "mine": True})


@login_required
def institution_create(request):
    require_role(request, STAFF)
    form = InstitutionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            institution = services.institution_create(user=request.user, request=request, **form.cleaned_data)
        except ServiceError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记：%(name)s") % {"name": institution.name})
            return redirect("institutions:detail", pk=institution.pk)
    return render(request, "institutions/form.html", {"form": form, "title": _("登记培训机构")})


@login_required
def institution_edit(request, pk):
    require_role(request, STAFF)
    institution = get_object_or_404(restrict(Institution.objects.all(), request.user), pk=pk)
    form = InstitutionForm(request.POST or None, instance=institution, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.institution_update(
                user=request.user, institution=institution, request=request, **form.cleaned_data
            )
        except ServiceError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("institutions:detail", pk=institution.pk)
    return render(
        request,
        "institutions/form.html",
        {
            "form": form,
            "title": _("编辑：%(name)s") % {"name": institution.name},
            "institution": institution,
        },
    )


@login_required
def institution_list_status(request, pk):
    require_role(request, STAFF)
    institution = get_object_or_404(restrict(Institution.objects.all(), request.user), pk=pk)
    form = ListStatusForm(
        request.POST or None, initial={"status": institution.list_status, "effective_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.institution_set_list_status(
                institution=institution, actor=request.user, request=request, **form.cleaned_data
            )
        except ServiceError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("黑白名单状态已变更并记录"))
            return redirect("institutions:detail", pk=institution.pk)
    return render(
        request,
        "institutions/list_status.html",
        {
            "form": form,
            "institution": institution,
            "history": institution.list_changes.select_related("actor"),
        },
    )


@login_required
def record_edit(request, kind, pk=None, institution_pk=None):
    """Create (``institution_pk``) or edit (``pk``) one sub-record: site, trainer, course, session, ..."""
    if kind not in RECORD_KINDS:
        raise Http404
    model, form_class, roles, title = RECORD_KINDS[kind]
    require_role(request, roles)
    if pk is not None:
        instance = get_object_or_404(restrict(model.objects.all(), request.user), pk=pk)
        institution = instance.course.institution if hasattr(instance, "course_id") else instance.institution
        before = services.record_values(instance)  # before the form's validation sets the new values on it
    else:
        instance = before = None
        institution = get_object_or_404(restrict(Institution.objects.all(), request.user), pk=institution_pk)
    form = form_class(
        request.POST or None, request.FILES or None, instance=instance, user=request.user, institution=institution
    )
    if request.method == "POST" and form.is_valid():
        services.record_save(user=request.user, save=form.save, before=before, request=request)
        messages.success(request, _("已保存"))
        if role_name(request.user) == Role.INSTITUTION:
            return redirect("institutions:mine")
        return redirect("institutions:detail", pk=institution.pk)
    return render(
        request,
        "institutions/form.html",
        {
            "form": form,
            "institution": institution,
            "multipart": True,
            "title": f"{institution.name} · {title}",
        },
    )


# --- import and export ------------------------------------------------------------------------------------


def _import_page(request, *, kind):
    form = UploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if kind == "registry":
                report = imports.institution_import(
                    user=request.user, file=upload, file_name=upload.name, request=request
                )
            else:
                report = imports.session_import(user=request.user, file=upload, file_name=upload.name, request=request)
        except ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            if report.ok:
                messages.success(
                    request, _("导入成功：新增 %(c)d 条，更新 %(u)d 条") % {"c": report.created, "u": report.updated}
                )
                return redirect("institutions:schedule-import" if kind == "sessions" else "institutions:list")
    columns = imports.REGISTRY_COLUMNS if kind == "registry" else imports.SESSION_COLUMNS
    headers = {c.key: c.label for c in columns}
    # each error names the spreadsheet's row and its column header, as the user sees them in the file
    errors = [{**e, "column": headers.get(e["field"], e["field"])} for e in (report.errors if report else [])]
    return render(
        request,
        "institutions/import.html",
        {
            "form": form,
            "report": report,
            "errors": errors,
            "columns": columns,
            "kind": kind,
            "title": _("批量导入机构登记信息") if kind == "registry" else _("批量导入课程安排（课次）"),
            "template_url": "institutions:import-template" if kind == "registry" else "institutions:schedule-template",
        },
        status=400 if report is not None and not report.ok else 200,
    )


@login_required
def registry_import(request):
    require_role(request, STAFF)
    return _import_page(request, kind="registry")


@login_required
def schedule_import(request):
    require_role(request, STAFF | {Role.INSTITUTION})
    return _import_page(request, kind="sessions")


def _xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=tabular.XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def registry_template(request):
    require_role(request, STAFF)
    return _xlsx_response(
        tabular.write_xlsx(imports.REGISTRY_COLUMNS, [], title="培训机构"), "institutions-template.xlsx"
    )


@login_required
def schedule_template(request):
    require_role(request, STAFF | {Role.INSTITUTION})
    return _xlsx_response(tabular.write_xlsx(imports.SESSION_COLUMNS, [], title="课程安排"), "sessions-template.xlsx")


@login_required
def registry_export(request):
    require_role(request, STAFF)
    stamp = timezone.localdate().isoformat()
    return _xlsx_response(selectors.registry_export_xlsx(user=request.user), f"institutions-{stamp}.xlsx")


# --- public look-up ---------------------------------------------------------------------------------------


class _LookupView:
    throttle_scope = "public_read"


def _throttled(request):
    throttle = PublicReadThrottle()
    if throttle.allow_request(request, _LookupView):
        return None
    wait = int(throttle.wait() or 60)
    response = render(request, "institutions/throttled.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _public_language(request):
    lang = request.GET.get("lang")
    if lang in dict(settings.LANGUAGES):
        translation.activate(lang)
        request.LANGUAGE_CODE = lang


def lookup(request):
    _public_language(request)
    limited = _throttled(request)
    if limited:
        return limited
    form = LookupForm(request.GET or None)
    results = None
    if form.is_valid():
        results = list(selectors.public_search(form.cleaned_data["q"]))
        if len(results) == 1:
            return redirect("institutions:lookup-detail", credit_code=results[0].credit_code)
    return render(request, "institutions/lookup.html", {"form": form, "results": results})


def lookup_detail(request, credit_code):
    _public_language(request)
    limited = _throttled(request)
    if limited:
        return limited
    card = selectors.public_institution(credit_code)
    if card is None:
        raise Http404
    try:
        complaint_url = reverse("complaints:submit")
    except NoReverseMatch:
        complaint_url = None
    from funds.selectors import public_funds_status_by_code

    return render(
        request,
        "institutions/lookup_detail.html",
        {"card": card, "complaint_url": complaint_url, "funds": public_funds_status_by_code(card["credit_code"])},
    )
