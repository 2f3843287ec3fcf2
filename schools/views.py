"""Pages of the schools app: the statutory holiday years of the calendar (法定节假日年度), for city staff."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scoping import is_city
from shuangjian.errors import ServiceError

from . import selectors, services
from .calendar import CalendarGap, DayKind
from .forms import MonthForm, StatutoryYearForm, TermForm, VacationForm
from .models import Term, Vacation


def _initial(request) -> dict:
    """The form as first shown: ``?year=`` opens that year (an entered year with its lines, to edit); without it,
    the first year the calendar does not know."""
    year = request.GET.get("year", "")
    if year.isdigit() and services.STATUTORY_YEAR_MIN <= int(year) <= services.STATUTORY_YEAR_MAX:
        return selectors.statutory_year_lines(int(year)) or {"year": int(year)}
    return {"year": selectors.calendar_known_until().year + 1}


@login_required
def statutory_years(request):
    """The years the calendar knows, and the form that enters (or re-enters) one."""
    if not is_city(request.user):
        raise PermissionDenied
    form = StatutoryYearForm(request.POST or None, initial=None if request.method == "POST" else _initial(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.statutory_year_save(user=request.user, request=request, **form.cleaned_data)
            except ServiceError as exc:
                form.add_error(None, exc.message)
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                year = saved.year.year
                if saved.replaced:
                    messages.success(request, _("%(year)d 年的节假日安排已更新") % {"year": year})
                else:
                    messages.success(request, _("%(year)d 年的节假日安排已录入") % {"year": year})
                if saved.run is not None:
                    messages.info(
                        request,
                        _("已发起合规检查 #%(run)d，重新检查 %(from)s 至 %(to)s 的数据")
                        % {"run": saved.run.pk, "from": saved.run.date_from, "to": saved.run.date_to},
                    )
                return redirect(reverse("schools:statutory-years"))
        status = 400
    years = selectors.statutory_years()
    typed = str(form["year"].value() or "")
    editing = typed.isdigit() and any(row["entered"] and row["year"] == int(typed) for row in years)
    return render(
        request,
        "schools/statutory_years.html",
        {
            "form": form,
            "editing": editing,
            "years": years,
            "known_until": selectors.calendar_known_until(),
            "calendar_warning": selectors.calendar_expiry_warning(),
            "package_version": selectors.package_version(),
        },
        status=status,
    )


# --- terms, vacations, district overrides and the month grid --------------------------------------------------

PERIODS = {
    "term": (Term, TermForm, "schools:terms", "schools:term", gettext_lazy("学期")),
    "vacation": (Vacation, VacationForm, "schools:vacations", "schools:vacation", gettext_lazy("寒暑假")),
}


def _city(request):
    if not is_city(request.user):
        raise PermissionDenied


def _periods(request, kind, pk=None):
    """The list of a calendar's terms (or vacations) with the form adding one, or the form editing one (``pk``)."""
    _city(request)
    model, form_class, list_name, edit_name, title = PERIODS[kind]
    instance = get_object_or_404(model, pk=pk) if pk else None
    form = form_class(request.POST or None, instance=instance)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.calendar_period_save(
                    user=request.user,
                    model=model,
                    instance=instance,
                    request=request,
                    **{name: form.cleaned_data[name] for name in form_class.Meta.fields},
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, str(error))
            else:
                messages.success(request, _("已保存：%(row)s") % {"row": saved.row})
                if saved.run is not None:
                    messages.info(
                        request,
                        _("已发起合规检查 #%(run)d，重新检查 %(from)s 至 %(to)s 的数据")
                        % {"run": saved.run.pk, "from": saved.run.date_from, "to": saved.run.date_to},
                    )
                return redirect(reverse(list_name))
        status = 400
    year = request.GET.get("year", "")
    rows = selectors.calendar_periods(model, academic_year=int(year) if year.isdigit() else None)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "schools/periods.html",
        {
            "kind": kind,
            "title": title,
            "form": form,
            "instance": instance,
            "page": page,
            "list_name": list_name,
            "edit_name": edit_name,
            "year": year,
        },
        status=status,
    )


@login_required
def terms(request):
    return _periods(request, "term")


@login_required
def term_edit(request, pk):
    return _periods(request, "term", pk)


@login_required
def vacations(request):
    return _periods(request, "vacation")


@login_required
def vacation_edit(request, pk):
    return _periods(request, "vacation", pk)


@login_required
def overrides(request):
    """Each district's own terms and vacations beside the city's rows they replace."""
    _city(request)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return render(request, "schools/overrides.html", {"rows": selectors.calendar_overrides()})


@login_required
def calendar_month(request):
    """A month of the school calendar as a grid (上学日 / 休息日 / 法定节假日 / 调休上班日 / 寒暑假), one district's
    or the city's, from the calendar service the rules use."""
    _city(request)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    form = MonthForm(request.GET or None)
    first = timezone.localdate().replace(day=1)
    district = None
    if form.is_bound and form.is_valid():
        first = form.cleaned_data["month"] or first
        district = form.cleaned_data["district"]
    if not form.is_bound or not form.is_valid():
        form = MonthForm(initial={"month": first.strftime("%Y-%m"), "district": district})
    gap = None
    month = None
    try:
        month = selectors.calendar_month(year=first.year, month=first.month, district=district)
    except CalendarGap as exc:
        gap = exc.message
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    base = {"district": district.code} if district else {}
    return render(
        request,
        "schools/calendar_month.html",
        {
            "form": form,
            "first": first,
            "district": district,
            "month": month,
            "gap": gap,
            "kinds": [(k, DayKind.DISPLAY.get(k) or _("调休上班日")) for k in selectors.GRID_KINDS],
            "weekdays": services.WEEKDAYS,
            "previous_url": "?" + urlencode({**base, "month": previous.strftime("%Y-%m")}),
            "next_url": "?" + urlencode({**base, "month": following.strftime("%Y-%m")}),
        },
        status=200 if gap is None else 409,
    )
