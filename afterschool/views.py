"""Pages of the afterschool app: the school's daily report and its programme for the current term."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.scoping import restrict, role_of
from shuangjian.errors import ServiceError
from shuangjian.forms import add_service_errors

from . import selectors, services
from .forms import ActivityForm, DailyReportForm, ProgrammeForm
from .models import Activity


def _school_of(request):
    profile = role_of(request.user)
    if profile is None or profile.role != Role.SCHOOL:
        raise PermissionDenied(_("只有学校工作人员可以填报本校的课后服务"))
    return profile.school


def _apply_errors(form, exc: ServiceError, *, row: str | None = None) -> None:
    fields = exc.fields.get(row, {}) if row else exc.fields
    add_service_errors(form, exc, fields=fields if isinstance(fields, dict) else {})


@login_required
def report(request):
    school = _school_of(request)
    if request.method == "POST":
        form = DailyReportForm(request.POST)
        if form.is_valid():
            try:
                services.report_file(user=request.user, reports=[{"school": school.pk, **form.cleaned_data}])
            except ServiceError as exc:
                _apply_errors(form, exc, row="row 1")
            else:
                messages.success(request, _("%(date)s 的课后服务日报已保存") % {"date": form.cleaned_data["date"]})
                return redirect("afterschool:report")
    else:
        form = DailyReportForm(initial={"date": _asked_date(request) or timezone.localdate(), "end_time": "17:30"})
    return render(
        request,
        "afterschool/report.html",
        {"form": form, "school": school, **selectors.recent_days(school=school, on=timezone.localdate())},
    )


def _asked_date(request):
    """The day a "补填" link of the recent list asks for (``?date=2026-11-09``), if it is one."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return None


@login_required
def programme(request):
    school = _school_of(request)
    term = selectors.current_term(school=school)
    if term is None:
        return render(request, "afterschool/programme.html", {"school": school, "term": None})
    current = selectors.programme_for(school=school, term=term)
    programme_form = ProgrammeForm(
        initial={
            "extended_care": getattr(current, "extended_care", False),
            "evening_self_study": getattr(current, "evening_self_study", False),
            "note": getattr(current, "note", ""),
        }
    )
    activity_form = ActivityForm(district=school.district_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "programme":
                programme_form = ProgrammeForm(request.POST)
                if programme_form.is_valid():
                    services.programme_save(user=request.user, school=school, term=term, **programme_form.cleaned_data)
                    messages.success(request, _("课后服务方案已保存"))
                    return redirect("afterschool:programme")
            elif action == "activity":
                activity_form = ActivityForm(request.POST, district=school.district_id)
                if current is None:
                    activity_form.add_error(None, _("请先保存本学期的课后服务方案"))
                elif activity_form.is_valid():
                    services.activity_create(user=request.user, programme=current, **activity_form.cleaned_data)
                    messages.success(request, _("已添加课后服务项目"))
                    return redirect("afterschool:programme")
            elif action == "delete":
                activity = get_object_or_404(
                    restrict(Activity.objects.all(), request.user), pk=request.POST.get("activity")
                )
                services.activity_delete(user=request.user, activity=activity)
                messages.success(request, _("已删除课后服务项目"))
                return redirect("afterschool:programme")
        except ServiceError as exc:
            _apply_errors(activity_form if action == "activity" else programme_form, exc)
    return render(
        request,
        "afterschool/programme.html",
        {
            "school": school,
            "term": term,
            "programme": current,
            "programme_form": programme_form,
            "activity_form": activity_form,
            "activities": selectors.activities_of(programme=current) if current else [],
        },
    )
