"""Pages of the dashboards app: the district, city and school dashboards, and their Excel exports.

Every page reads the same selectors as the API and is scoped the same way:
an object outside the caller's scope is a 404, the city dashboard is for city
staff only.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.scoping import is_city, role_of
from schools.selectors import calendar_expiry_warning

from . import excel, selectors
from .api.views import district_dashboard_visible, visible_school
from .forms import DashboardFilterForm
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


def _render(request, template, *, form, filters, data, title, xlsx_url, **extra):
    return render(
        request,
        template,
        {
            "form": form,
            "filters": filters,
            "data": data,
            "title": title,
            "query": _query(filters),
            "xlsx_url": f"{xlsx_url}?{_query(filters)}",
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
    data = selectors.city_dashboard(filters=filters, user=request.user)
    _finding_links(data, filters)
    for d in data["districts"]:
        d["url"] = reverse("dashboards:district", args=[d["code"]]) + "?" + _query(filters)
    return _render(
        request,
        "dashboards/city.html",
        form=form,
        filters=filters,
        data=data,
        title=data["scope"]["name"],
        xlsx_url=reverse("dashboards:city-xlsx"),
        calendar_warning=calendar_expiry_warning(),
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
