"""Pages of the schools app: the statutory holiday years of the calendar (法定节假日年度), for city staff."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.scoping import is_city
from shuangjian.errors import ServiceError

from . import selectors, services
from .forms import StatutoryYearForm


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
