"""Pages of the compliance app: findings (list and detail with a status form) and runs (list, start, progress)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.scoping import is_city, restrict, role_of
from schools.models import District
from shuangjian.errors import ServiceError

from . import registry, selectors, services
from .choices import RunTrigger
from .filtersets import FindingPageFilterSet
from .forms import FindingStatusForm, RunStartForm
from .models import ComplianceRun, FindingEvent

SORTS = {
    "date": ["period_start", "id"],
    "-date": ["-period_start", "-id"],
    "rule": ["rule_id", "-period_start", "-id"],
    "status": ["status", "-period_start", "-id"],
    "-last_seen": ["-last_seen", "-id"],
}


def _staff(request):
    if not (is_city(request.user) or role_of(request.user)):
        raise PermissionDenied
    return request.user


def _bureau(user) -> bool:
    profile = role_of(user)
    return is_city(user) or (profile is not None and profile.role == "district")


@login_required
def finding_list(request):
    user = _staff(request)
    filterset = FindingPageFilterSet(request.GET or None, queryset=selectors.findings_visible(user=user), user=user)
    findings = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "-date"
    page = Paginator(findings.order_by(*SORTS[sort]), 50).get_page(request.GET.get("page"))
    rows = [
        {"finding": f, "rule": registry.get_rule(f.rule_id) if registry.is_registered(f.rule_id) else None}
        for f in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    sortless = query.copy()
    sortless.pop("sort", None)
    return render(
        request,
        "compliance/finding_list.html",
        {
            "filterset": filterset,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "sort": sort,
            "sortless": sortless.urlencode(),
        },
    )


def _evidence_rows(evidence) -> list[tuple[str, str]]:
    """The evidence as (label, readable value) rows; nested lists and objects shown as compact JSON."""
    if not isinstance(evidence, dict):
        return [("", json.dumps(evidence, ensure_ascii=False))]
    rows = []
    for key, value in evidence.items():
        if isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False)
        rows.append((str(key), "—" if value is None else str(value)))
    return rows


@login_required
def finding_detail(request, pk):
    user = _staff(request)
    qs = selectors.findings_visible(user=user).prefetch_related(
        Prefetch("events", queryset=FindingEvent.objects.select_related("actor").order_by("at", "id"))
    )
    finding = get_object_or_404(qs, pk=pk)
    bureau = _bureau(user)
    form = FindingStatusForm(request.POST or None, finding=finding, bureau=bureau)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.finding_set_status(
                    finding=finding,
                    status=form.cleaned_data["status"],
                    actor=user,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("状态已更新"))
                return redirect("compliance:finding", pk=finding.pk)
        status = 400
    rule = registry.get_rule(finding.rule_id) if registry.is_registered(finding.rule_id) else None
    return render(
        request,
        "compliance/finding_detail.html",
        {
            "finding": finding,
            "rule": rule,
            "evidence": _evidence_rows(finding.evidence),
            "form": form,
        },
        status=status,
    )


@login_required
def run_list(request):
    user = _staff(request)
    profile = role_of(user)
    may_start = _bureau(user)
    own = None if is_city(user) else getattr(profile, "district", None)
    form = RunStartForm(request.POST or None, own_district=own) if may_start else None
    status = 200
    if request.method == "POST":
        if not may_start:
            raise PermissionDenied
        if form.is_valid():
            district = form.cleaned_data["district"]
            try:
                run = services.run_start(
                    date_from=form.cleaned_data["date_from"],
                    date_to=form.cleaned_data["date_to"],
                    district_codes=[district.code] if district else None,
                    rule_ids=form.cleaned_data["rule_ids"] or None,
                    trigger=RunTrigger.PAGE,
                    started_by=user,
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("compliance:run", pk=run.pk)
        status = 400
    runs = restrict(ComplianceRun.objects.select_related("started_by"), user)
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    for run in page:
        run.gap_years = [gap["year"] for gap in selectors.run_calendar_gaps(run)]
    return render(request, "compliance/run_list.html", {"form": form, "page": page}, status=status)


@login_required
def run_detail(request, pk):
    user = _staff(request)
    run = get_object_or_404(restrict(ComplianceRun.objects.select_related("started_by"), user), pk=pk)
    gaps = selectors.run_calendar_gaps(run)
    if gaps:
        names = dict(District.objects.values_list("code", "name"))
        for gap in gaps:
            gap["all_districts"] = len(gap["districts"]) == len(names)
            gap["district_names"] = [names.get(code, code) for code in gap["districts"]]
    return render(
        request,
        "compliance/run_detail.html",
        {
            "run": run,
            "calendar_gaps": gaps,
            "other_errors": selectors.run_other_errors(run),
            # only city staff enter the statutory calendar; the others are told who does
            "may_enter_calendar": is_city(user),
        },
    )
