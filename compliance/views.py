"""Pages of the compliance app: findings (list and detail with a status form) and runs (list, start, progress)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scoping import is_city, restrict, role_of
from schools.models import District
from shuangjian.errors import ServiceError

from . import evidence, registry, selectors, services
from .choices import FindingStatus, NoticeState, ReportDecision, RunTrigger
from .filtersets import FindingPageFilterSet
from .forms import FindingBulkStatusForm, FindingStatusForm, NoticeIssueForm, ReportForm, ReviewForm, RunStartForm
from .models import ComplianceRun, FindingEvent, RectificationReport, ReportAttachment

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


def _filtered_findings(request, user):
    filterset = FindingPageFilterSet(request.GET or None, queryset=selectors.findings_visible(user=user), user=user)
    findings = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    return filterset, findings


@login_required
def finding_list(request):
    user = _staff(request)
    filterset, findings = _filtered_findings(request, user)
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
    ruleless = sortless.copy()
    ruleless.pop("rule", None)
    bureau = _bureau(user)
    return render(
        request,
        "compliance/finding_list.html",
        {
            "filterset": filterset,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "rows": rows,
            "query": query.urlencode(),
            "sort": sort,
            "sortless": sortless.urlencode(),
            "ruleless": ruleless.urlencode(),
            "rule_counts": selectors.rule_counts(findings, language=get_language()),
            "may_issue": bureau,
            "bulk_form": FindingBulkStatusForm() if bureau else None,
        },
    )


def _chosen_ids(request) -> list[int]:
    return [int(i) for i in request.POST.getlist("finding_ids") if str(i).isdigit()]


@login_required
@require_POST
def finding_bulk_status(request):
    """Bureau staff change the status of the chosen findings at once, with one reason (the list's bulk action)."""
    user = _staff(request)
    if not _bureau(user):
        raise PermissionDenied
    form = FindingBulkStatusForm(request.POST)
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith("/"):
        back = reverse("compliance:findings")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        result = services.findings_set_status_bulk(
            user=user,
            finding_ids=_chosen_ids(request),
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    label = FindingStatus(form.cleaned_data["status"]).label
    if result["changed"]:
        messages.success(
            request,
            ngettext(
                "已将 %(n)d 条问题改为“%(status)s”",
                "已将 %(n)d 条问题改为“%(status)s”",
                len(result["changed"]),
            )
            % {"n": len(result["changed"]), "status": label},
        )
    for finding, why in result["skipped"]:
        number = f"#{finding.pk}" if hasattr(finding, "pk") else f"#{finding}"
        messages.warning(request, _("%(number)s 未变更：%(why)s") % {"number": number, "why": why})
    return redirect(back)


@login_required
@require_POST
def finding_export(request):
    """The chosen findings (or, with none chosen, every finding the list's filters find, at most 5000) as a
    workbook."""
    from django.http import HttpResponse

    from . import tabular

    user = _staff(request)
    ids = _chosen_ids(request)
    if ids:
        findings = selectors.findings_visible(user=user).filter(pk__in=ids)
    else:
        _filterset, findings = _filtered_findings(request, user)
    content = tabular.findings_workbook(findings.order_by("-period_start", "-id")[: tabular.EXPORT_LIMIT])
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="findings-{stamp}.xlsx"'
    return response


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
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("状态已更新"))
                return redirect("compliance:finding", pk=finding.pk)
        status = 400
    rule = registry.get_rule(finding.rule_id) if registry.is_registered(finding.rule_id) else None
    history = [
        {"event": e, "run": evidence.run_number(e.actor_label), "reason": evidence.reason_text(e.reason)}
        for e in finding.events.all()
    ]
    return render(
        request,
        "compliance/finding_detail.html",
        {
            "finding": finding,
            "rule": rule,
            "evidence": evidence.evidence_rows(finding.evidence),
            "history": history,
            # the run pages are the bureau's: a school or an institution reads the run's number only
            "link_runs": bureau,
            "form": form,
        },
        status=status,
    )


def _district_names() -> dict[str, str]:
    return dict(District.objects.values_list("code", "name"))


def _districts_label(run, names) -> str:
    """A run's districts by name: one name, up to three joined, "全市" for all of them, else their number."""
    codes = list(run.district_codes or ())
    if not codes:
        return "—"
    if len(codes) == len(names) and len(names) > 1:
        return _("全市")
    if len(codes) <= 3:
        return "、".join(names.get(code, code) for code in codes)
    return ngettext("%(n)d 个区", "%(n)d 个区", len(codes)) % {"n": len(codes)}


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
    names = _district_names() if page.object_list else {}
    for run in page:
        run.gap_years = [gap["year"] for gap in selectors.run_calendar_gaps(run)]
        run.district_label = _districts_label(run, names)
    return render(request, "compliance/run_list.html", {"form": form, "page": page}, status=status)


@login_required
def run_detail(request, pk):
    user = _staff(request)
    run = get_object_or_404(restrict(ComplianceRun.objects.select_related("started_by"), user), pk=pk)
    gaps = selectors.run_calendar_gaps(run)
    names = _district_names()
    language = get_language()
    rules = [
        f"{rule_id} {registry.get_rule(rule_id).title(language)}" if registry.is_registered(rule_id) else rule_id
        for rule_id in run.rule_ids or ()
    ]
    if gaps:
        for gap in gaps:
            gap["all_districts"] = len(gap["districts"]) == len(names)
            gap["district_names"] = [names.get(code, code) for code in gap["districts"]]
    return render(
        request,
        "compliance/run_detail.html",
        {
            "run": run,
            "district_names": [names.get(code, code) for code in run.district_codes or ()],
            "all_districts": len(run.district_codes or ()) == len(names) > 1,
            "rule_names": rules,
            "calendar_gaps": gaps,
            "other_errors": [
                {**e, "district_name": names.get(e.get("district"), e.get("district", ""))}
                if isinstance(e, dict)
                else {"error": str(e)}
                for e in selectors.run_other_errors(run)
            ],
            # only city staff enter the statutory calendar; the others are told who does
            "may_enter_calendar": is_city(user),
        },
    )


# --- rectification: notices, reports, reviews -----------------------------------------------------------------


def _add_service_errors(form, exc: ServiceError) -> None:
    """A service's refusal on the form: its message on top, each field's errors at the field (a field the form
    does not show, on top; the hidden finding ids are named by the message already)."""
    form.add_error(None, exc.message)
    for field, errors in exc.fields.items():
        if field == "finding_ids":
            continue
        for error in errors:
            form.add_error(field if field in form.fields else None, str(error))


def _suggested_action(groups) -> str:
    """The rules' own hints, one line each: what the notice asks, before staff edit it."""
    lines = []
    for rule_id in sorted({f.rule_id for _subject, findings in groups for f in findings}):
        rule = registry.get_rule(rule_id) if registry.is_registered(rule_id) else None
        if rule and rule.hint_zh:
            lines.append(f"{rule.id}：{rule.hint_zh}")
    return "\n".join(lines)


@login_required
def notice_new(request):
    """Issue notices for the chosen open findings (``ids``), or for every open finding the list's filters find."""
    user = _staff(request)
    if not _bureau(user):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    ids = [int(i) for i in source.getlist("finding_ids") if str(i).isdigit()]
    if ids:
        groups = selectors.notice_candidates(user=user, ids=ids)
    else:
        filterset = FindingPageFilterSet(request.GET or None, queryset=selectors.findings_visible(user=user), user=user)
        findings = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
        groups = selectors.notice_candidates(user=user, queryset=findings)
    chosen = [f.pk for _subject, findings in groups for f in findings]
    form = NoticeIssueForm(
        request.POST if "required_action" in request.POST else None,
        finding_ids=chosen,
        initial={"finding_ids": chosen, "required_action": _suggested_action(groups)},
    )
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                notices = services.notices_issue(
                    actor=user,
                    finding_ids=form.cleaned_data["finding_ids"],
                    required_action=form.cleaned_data["required_action"],
                    request=request,
                )
            except ServiceError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已下发 %(n)d 份整改通知：%(numbers)s")
                    % {"n": len(notices), "numbers": "、".join(n.number for n in notices)},
                )
                if len(notices) == 1:
                    return redirect("compliance:notice", pk=notices[0].pk)
                return redirect("compliance:notices")
        status = 400
    deadlines = []
    if groups:
        from django.utils import timezone

        for subject, findings in groups:
            try:
                days, deadline = services.notice_deadline(
                    district=findings[0].district,
                    issued_on=timezone.localdate(),
                    severities=services.severities_of(findings),
                )
            except ServiceError as exc:
                days, deadline = None, exc.message
            deadlines.append({"subject": subject, "findings": findings, "days": days, "deadline": deadline})
    return render(request, "compliance/notice_new.html", {"form": form, "groups": deadlines}, status=status)


NOTICE_SORTS = {"deadline": ["deadline", "id"], "-issued": ["-issued_at", "-id"], "state": ["state", "deadline"]}


@login_required
def notice_list(request):
    user = _staff(request)
    notices = selectors.notices_visible(user=user)
    state = request.GET.get("state")
    if state in NoticeState.values:
        notices = notices.filter(state=state)
    sort = request.GET.get("sort") if request.GET.get("sort") in NOTICE_SORTS else "-issued"
    page = Paginator(notices.order_by(*NOTICE_SORTS[sort]), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "compliance/notice_list.html",
        {"page": page, "states": NoticeState.choices, "state": state, "sort": sort, "query": query.urlencode()},
    )


def _notice(request, pk):
    user = _staff(request)
    notice = get_object_or_404(
        selectors.notices_visible(user=user).prefetch_related(
            Prefetch(
                "reports",
                queryset=RectificationReport.objects.select_related("submitted_by", "decided_by").prefetch_related(
                    "attachments"
                ),
            ),
            "findings",
        ),
        pk=pk,
    )
    return user, notice


def _notice_page(request, notice, *, report_form=None, review_form=None, status=200):
    user = request.user
    may_report = services.subject_may_answer(user, notice) and notice.state in (
        NoticeState.ISSUED,
        NoticeState.RETURNED,
    )
    may_review = _bureau(user) and notice.state == NoticeState.SUBMITTED
    return render(
        request,
        "compliance/notice_detail.html",
        {
            "notice": notice,
            "findings": notice.findings.select_related("school_class", "school", "institution").order_by("pk"),
            "reports": notice.reports.all(),
            "report_form": report_form or (ReportForm() if may_report else None),
            "review_form": review_form or (ReviewForm() if may_review else None),
        },
        status=status,
    )


@login_required
def notice_detail(request, pk):
    _user, notice = _notice(request, pk)
    return _notice_page(request, notice)


@login_required
def notice_report(request, pk):
    """The subject submits its rectification report (POST)."""
    user, notice = _notice(request, pk)
    if request.method != "POST":
        return redirect("compliance:notice", pk=notice.pk)
    form = ReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.report_submit(
                actor=user,
                notice=notice,
                text=form.cleaned_data["text"],
                files=form.cleaned_data["files"],
                request=request,
            )
        except ServiceError as exc:
            if exc.code == "permission_denied":
                raise PermissionDenied from exc
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("整改报告已提交，等待区教委复核"))
            return redirect("compliance:notice", pk=notice.pk)
    return _notice_page(request, notice, report_form=form, status=400)


@login_required
def notice_review(request, pk):
    """Bureau staff accept or return the pending report (POST)."""
    user, notice = _notice(request, pk)
    if not _bureau(user):
        raise PermissionDenied
    if request.method != "POST":
        return redirect("compliance:notice", pk=notice.pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.report_review(
                actor=user,
                notice=notice,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ServiceError as exc:
            _add_service_errors(form, exc)
        else:
            accepted = form.cleaned_data["decision"] == ReportDecision.ACCEPTED
            messages.success(request, _("已通过复核，问题已销号") if accepted else _("已退回，等待重新整改"))
            return redirect("compliance:notice", pk=notice.pk)
    return _notice_page(request, notice, review_form=form, status=400)


@login_required
def attachment_download(request, pk):
    """A report's attachment, to the notice's parties only, always as a download (never rendered inline)."""
    from django.http import FileResponse

    user = _staff(request)
    item = get_object_or_404(restrict(ReportAttachment.objects.all(), user), pk=pk)
    response = FileResponse(
        item.file.open("rb"), content_type=item.content_type, as_attachment=True, filename=item.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- rule parameters (city staff) --------------------------------------------------------------------------


def _city(request):
    if not is_city(request.user):
        raise PermissionDenied
    return request.user


@login_required
def parameter_list(request):
    """Every rule parameter with its value in force today, its source, and the rules that read it."""
    _city(request)
    from django.http import HttpResponseNotAllowed
    from django.utils import timezone

    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    today = timezone.localdate()
    return render(
        request,
        "compliance/parameter_list.html",
        {"parameters": selectors.parameter_overview(on=today), "today": today},
    )


@login_required
def parameter_detail(request, key):
    """One parameter: its value in force, its dated history with sources, and the form that adds a dated value.

    A date already past is refused until the officer ticks the confirmation; the value is then saved and the past
    days it governs are checked again (``services.parameter_add``)."""
    user = _city(request)
    from django.http import Http404
    from django.utils import timezone

    from .forms import ParameterValueForm
    from .parameters import parameter_label

    today = timezone.localdate()
    history = selectors.parameter_history(key=key, on=today)
    rules = services.parameter_rules(key)
    if not history and not rules:
        raise Http404
    current = next((h["row"] for h in history if h["in_force"]), None)
    latest = history[0]["row"] if history else None
    form = ParameterValueForm(request.POST or None, previous=latest)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                added = services.parameter_add(
                    key=key,
                    value=d["value"],
                    effective_from=d["effective_from"],
                    source=d["source"],
                    confirm_past=d["confirm_past"],
                    actor=user,
                    request=request,
                )
            except ServiceError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已设置 %(label)s 自 %(date)s 起为 %(value)s")
                    % {"label": parameter_label(key), "date": added.row.effective_from, "value": added.row.value},
                )
                if added.run is not None:
                    messages.info(
                        request,
                        _("已发起合规检查 #%(run)d，重新检查 %(from)s 至 %(to)s 的数据")
                        % {"run": added.run.pk, "from": added.run.date_from, "to": added.run.date_to},
                    )
                return redirect("compliance:parameter", key=key)
        status = 400
    return render(
        request,
        "compliance/parameter_detail.html",
        {
            "key": key,
            "label": parameter_label(key),
            "current": current,
            "history": history,
            "rules": rules,
            "form": form,
            "today": today,
        },
        status=status,
    )
