"""Pages of the dashboards app: the district, city and school dashboards, and their Excel exports.

Every page reads the same selectors as the API and is scoped the same way:
an object outside the caller's scope is a 404, the city dashboard is for city
staff only.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.choices import Role
from accounts.scoping import is_city, role_of
from schools.selectors import calendar_expiry_warning
from shuangjian.errors import ConflictError, ForbiddenError, ServiceError

from . import excel, selectors, services
from .api.views import district_dashboard_visible, visible_school, wants_final
from .choices import ReportState, ReportTransition
from .forms import DashboardFilterForm, MonthForm
from .templatetags.dashboards import rule_title

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(request):
    form = DashboardFilterForm(request.GET or None)
    filters = form.filters()
    return form.shown(filters), filters


def _query(filters) -> str:
    return urlencode({k: v for k, v in filters.as_dict().items() if v})


def _findings_url(**params) -> str:
    """A link to the findings page filtered by rule, district and dates (the page takes the district's id)."""
    try:
        base = reverse("compliance:findings")
    except NoReverseMatch:
        return ""
    return f"{base}?{urlencode({k: v for k, v in params.items() if v})}"


def _finding_links(data: dict, filters, district_id=None) -> None:
    """Add to each rule row the link to its findings (the drill-down from a rule to its findings)."""
    for row in data["findings"]["by_rule"]:
        row["title"] = rule_title(row["rule_id"])
        row["url"] = _findings_url(
            rule=row["rule_id"], district=district_id or "", date_from=filters.date_from, date_to=filters.date_to
        )


def _render(request, template, *, form, filters, data, title, xlsx_url, xlsx_suffix="", **extra):
    return render(
        request,
        template,
        {
            "form": form,
            "filters": filters,
            "data": data,
            "title": title,
            "query": _query(filters),
            "xlsx_url": f"{xlsx_url}?{_query(filters)}{xlsx_suffix}",
            "as_of": selectors.figures_as_of(),
            **extra,
        },
    )


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


def _require_city(user):
    if not is_city(user):
        raise PermissionDenied


@login_required
def dashboard_home(request):
    """Send each user to the dashboard of their scope."""
    if is_city(request.user):
        return redirect("dashboards:city")
    profile = role_of(request.user)
    if profile and profile.role == Role.DISTRICT and profile.district_id:
        return redirect("dashboards:district", code=profile.district.code)
    if profile and profile.role == Role.SCHOOL and profile.school_id:
        return redirect("dashboards:school", pk=profile.school_id)
    raise PermissionDenied


@login_required
def city(request):
    _require_city(request.user)
    form, filters = _filters(request)
    final = wants_final(request.GET)
    if final:  # published figures: the month of date_to, accepted reports only (see city_final_dashboard)
        data = selectors.city_final_dashboard(month=filters.date_to, user=request.user)
        first, last = selectors.month_range(filters.date_to)
        filters = selectors.Filters(date_from=first, date_to=last)
    else:
        data = selectors.city_dashboard(filters=filters, user=request.user)
    _finding_links(data, filters)
    for d in data["districts"]:
        d["url"] = reverse("dashboards:district", args=[d["code"]]) + "?" + _query(filters)
    months = selectors.recent_months()
    return _render(
        request,
        "dashboards/city.html",
        form=form,
        filters=filters,
        data=data,
        title=data["scope"]["name"],
        xlsx_url=reverse("dashboards:city-xlsx"),
        xlsx_suffix="&final=1" if final else "",
        calendar_warning=calendar_expiry_warning(),
        final=final,
        final_url=reverse("dashboards:city") + "?" + _query(filters) + "&final=1",
        live_url=reverse("dashboards:city") + "?" + _query(filters),
        months=months,
        grid=selectors.report_grid(user=request.user, months=months),
        geojson_url=static("geo/beijing-districts.json"),
    )


@login_required
def district(request, code):
    district = district_dashboard_visible(request.user, code)
    form, filters = _filters(request)
    data = selectors.district_dashboard(district=district, filters=filters, user=request.user)
    _finding_links(data, filters, district.pk)
    schools = selectors.district_schools(district=district, filters=filters)
    for s in schools:
        s["url"] = reverse("dashboards:school", args=[s["id"]]) + "?" + _query(filters)
    return _render(
        request,
        "dashboards/district.html",
        form=form,
        filters=filters,
        data=data,
        schools=schools,
        title=district.name,
        xlsx_url=reverse("dashboards:district-xlsx", args=[code]),
        findings_xlsx=reverse("dashboards:findings-xlsx")
        + "?"
        + urlencode({"district": district.pk, "date_from": filters.date_from, "date_to": filters.date_to}),
        back_url=reverse("dashboards:city") + "?" + _query(filters) if is_city(request.user) else "",
    )


@login_required
def school(request, pk):
    school = visible_school(request.user, pk)
    form, filters = _filters(request)
    data = selectors.school_dashboard(school=school, filters=filters, user=request.user)
    _finding_links(data, filters, school.district_id)
    for row in data["findings"]["by_rule"]:
        if row["url"]:
            row["url"] += f"&school={school.pk}"
    profile = role_of(request.user)
    back = ""
    if is_city(request.user) or (profile and profile.role == Role.DISTRICT):
        back = reverse("dashboards:district", args=[school.district.code]) + "?" + _query(filters)
    return _render(
        request,
        "dashboards/school.html",
        form=form,
        filters=filters,
        data=data,
        title=school.name,
        xlsx_url=reverse("dashboards:school-xlsx", args=[pk]),
        back_url=back,
    )


@login_required
def city_xlsx(request):
    _require_city(request.user)
    _form, filters = _filters(request)
    if wants_final(request.GET):
        data = selectors.city_final_dashboard(month=filters.date_to, user=request.user)
        return _xlsx(excel.dashboard_workbook(data), f"city-final-{data['final']['month']}")
    return _xlsx(excel.dashboard_workbook(selectors.city_dashboard(filters=filters, user=request.user)), "city")


@login_required
def district_xlsx(request, code):
    district = district_dashboard_visible(request.user, code)
    _form, filters = _filters(request)
    data = selectors.district_dashboard(district=district, filters=filters, user=request.user)
    schools = selectors.district_schools(district=district, filters=filters)
    return _xlsx(excel.dashboard_workbook(data, schools), f"district-{code}")


@login_required
def school_xlsx(request, pk):
    school = visible_school(request.user, pk)
    _form, filters = _filters(request)
    data = selectors.school_dashboard(school=school, filters=filters, user=request.user)
    return _xlsx(excel.dashboard_workbook(data), f"school-{school.code}")


#: the most findings one export holds (a bigger list should be narrowed by the filters first)
MAX_EXPORT_ROWS = 50000


@login_required
def findings_xlsx(request):
    """The findings page's list as a workbook: the same filters, the same scope (``compliance:findings``)."""
    from compliance.filtersets import FindingPageFilterSet
    from compliance.selectors import findings_visible

    if not (is_city(request.user) or role_of(request.user)):
        raise PermissionDenied
    filterset = FindingPageFilterSet(
        request.GET or None, queryset=findings_visible(user=request.user), user=request.user
    )
    if filterset.is_bound and not filterset.is_valid():
        raise Http404
    findings = filterset.qs if filterset.is_bound else filterset.queryset
    rows = findings.order_by("-period_start", "-id")[:MAX_EXPORT_ROWS]
    return _xlsx(excel.findings_workbook(rows), "findings")


# -- monthly district reports (区月报) ---------------------------------------------------------------------------


def _require_bureau(user):
    profile = role_of(user)
    if not (is_city(user) or (profile and profile.role == Role.DISTRICT)):
        raise PermissionDenied


@login_required
def reports(request):
    """District staff: their district's months, with a form to freeze one. City staff: the reports waiting for
    review, and every district's recent months with their states."""
    _require_bureau(request.user)
    profile = role_of(request.user)
    district = profile.district if profile and profile.role == Role.DISTRICT else None
    form = MonthForm(request.POST or None)
    if request.method == "POST":
        if district is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                report = services.report_freeze(
                    actor=request.user, district=district, month=form.cleaned_data["month"], request=request
                )
            except ServiceError as exc:
                form.add_error("month", str(exc))
            else:
                messages.success(request, _("已汇总%(month)s月报") % {"month": f"{report.month:%Y-%m}"})
                return redirect("dashboards:report", pk=report.pk)
    rows = selectors.reports_visible(user=request.user).order_by("-month", "district__code")
    waiting = None
    if is_city(request.user):
        waiting = rows.filter(state=ReportState.SUBMITTED)
        rows = rows.exclude(state=ReportState.SUBMITTED)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    months = selectors.recent_months()
    return render(
        request,
        "dashboards/report_list.html",
        {
            "form": form if district is not None else None,
            "district": district,
            "waiting": waiting,
            "page": page,
            "months": months,
            "grid": selectors.report_grid(user=request.user, months=months) if is_city(request.user) else None,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def report(request, pk):
    """A monthly report: its frozen figures (prints on A4), its state, and the caller's next steps."""
    _require_bureau(request.user)
    report = get_object_or_404(selectors.reports_visible(user=request.user), pk=pk)
    reason_error = ""
    status = 200
    if request.method == "POST":
        transition = request.POST.get("transition", "")
        if transition not in ReportTransition.values:
            return HttpResponseBadRequest(_("无效的操作"))
        try:
            services.report_transition(
                transition=transition,
                actor=request.user,
                report=report,
                reason=request.POST.get("reason", ""),
                request=request,
            )
        except ForbiddenError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ServiceError as exc:
            reason_error = str(exc)
            status = 409 if isinstance(exc, ConflictError) else 400
        else:
            messages.success(request, _("已%(step)s") % {"step": ReportTransition(transition).label})
            return redirect("dashboards:report", pk=report.pk)
        report = get_object_or_404(selectors.reports_visible(user=request.user), pk=pk)
    profile = role_of(request.user)
    own = bool(profile and profile.role == Role.DISTRICT and profile.district_id == report.district_id)
    city = is_city(request.user)
    return render(
        request,
        "dashboards/report_detail.html",
        {
            "report": report,
            "data": report.figures,
            "may_refresh": own and report.state == ReportState.DRAFT,
            "may_submit": own and report.state == ReportState.DRAFT,
            "may_review": city and report.state == ReportState.SUBMITTED,
            "may_reopen": city and report.state == ReportState.ACCEPTED,
            "reason_error": reason_error,
            "reason": request.POST.get("reason", "") if request.method == "POST" else "",
        },
        status=status,
    )


@login_required
@require_GET
def report_xlsx(request, pk):
    _require_bureau(request.user)
    report = get_object_or_404(selectors.reports_visible(user=request.user), pk=pk)
    return _xlsx(excel.report_workbook(report), f"monthly-report-{report.district.code}-{report.month:%Y%m}")
