"""Pages of the homework app: the day form, the spreadsheet upload, the publication page and its share link."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.choices import Role
from accounts.scoping import role_of
from compliance.parameters import MissingParameter
from periods.selectors import day_state
from schools.choices import grade_band
from shuangjian.errors import ServiceError

from . import selectors, services, tabular
from .forms import DayForm, ItemRowFormSet, UploadForm
from .validation import class_limits, validate_items

EXTRA_ROWS = 3


def _filer(request):
    """The filing pages are the school's (a bureau corrects a filing through the API)."""
    profile = role_of(request.user)
    if profile is None or profile.role != Role.SCHOOL:
        raise PermissionDenied(_("只有学校工作人员可以在此填报本校的作业"))


def _limits(day: dt.date) -> dict:
    try:
        return class_limits(on=day)
    except MissingParameter:
        return {}


def _parse_day(value) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@login_required
def file_day(request):
    """One class's whole day at once: a row per subject, a running total against the grade's limit.

    The page carries every class's filing of the day and of the school day before it, so the class select
    switches class and "复制上一个上课日" copies the day before without loading a page; "保存并填报下一班" saves and
    opens the next class of the list on the same day.
    """
    _filer(request)
    classes = list(selectors.classes_for_filing(user=request.user))
    if request.method == "POST":
        day_form = DayForm(request.POST, classes=selectors.classes_for_filing(user=request.user))
        formset = ItemRowFormSet(request.POST, prefix="items")
        if day_form.is_valid() and formset.is_valid():
            school_class, day = day_form.cleaned_data["school_class"], day_form.cleaned_data["date"]
            rows, labels, forms_by_label = [], [], {}
            if not day_form.cleaned_data["no_homework"]:
                for n, form in enumerate(formset.forms, start=1):
                    if form.is_blank():
                        continue
                    data = dict(form.cleaned_data)
                    rows.append({**data, "school_class": school_class.pk, "date": day})
                    labels.append(f"row {n}")
                    forms_by_label[f"row {n}"] = form
            if not rows and not day_form.cleaned_data["no_homework"]:
                day_form.add_error(None, _("请至少填写一个学科的作业，或勾选“今日无作业”"))
            else:
                try:
                    result = services.homework_file(
                        user=request.user, items=rows, labels=labels, whole_day=(school_class.pk, day)
                    )
                except ServiceError as exc:
                    _place_errors(exc, day_form, forms_by_label)
                else:
                    messages.success(
                        request,
                        _("%(cls)s %(date)s 的作业已公示（%(n)d 项）")
                        % {"cls": school_class.name, "date": day.isoformat(), "n": result.created},
                    )
                    _warn_over_limit(request, school_class=school_class, day=day)
                    if request.POST.get("then") == "next":
                        return _to_next_class(request, classes, school_class, day)
                    return redirect(reverse("homework:publication", args=[school_class.pk, day.isoformat()]))
        day = _parse_day(request.POST.get("date"))
        selected = next((c for c in classes if str(c.pk) == str(request.POST.get("school_class"))), None)
        context = _day_context(request, classes, selected, day)
    else:
        day = _parse_day(request.GET.get("date"))
        selected = next((c for c in classes if str(c.pk) == request.GET.get("school_class", "")), None)
        selected = selected or (classes[0] if classes else None)
        context = _day_context(request, classes, selected, day)
        copy = request.GET.get("copy") == "1" and context["previous_day"] is not None
        source = context["previous"] if copy else context["filings"]
        filing = source.get(selected.pk, {}) if selected is not None else {}
        day_form = DayForm(
            initial={"school_class": selected, "date": day, "no_homework": filing.get("no_homework", False)},
            classes=selectors.classes_for_filing(user=request.user),
        )
        initial = [dict(i) for i in filing.get("items", [])]
        initial += [{"kind": "written", "at_home": True}] * (EXTRA_ROWS + max(0, 5 - len(initial)))
        formset = ItemRowFormSet(prefix="items", initial=initial)
        if copy:
            messages.info(
                request,
                _("已复制 %(date)s 的作业到表格中，修改后提交才会保存。")
                % {"date": context["previous_day"].isoformat()},
            )
    context.update(
        {"day_form": day_form, "formset": formset, "selected_id": str(day_form["school_class"].value() or "")}
    )
    return render(request, "homework/file.html", context)


def _day_context(request, classes, selected, day: dt.date) -> dict:
    """The class list with each grade's limit, and every class's filing of ``day`` and of the school day before."""
    limits = _limits(day)
    district_id = selected.school.district_id if selected is not None else None
    previous_day = selectors.previous_school_day(district_id=district_id, day=day) if district_id else None
    filings = selectors.day_filings(user=request.user, date=day)
    previous = selectors.day_filings(user=request.user, date=previous_day)
    class_options = [
        {
            "id": c.pk,
            "label": _("%(name)s（%(grade)d年级）") % {"name": c.name, "grade": c.grade},
            "band": grade_band(c.grade),
            "limit": limits.get(grade_band(c.grade), ""),
            "rule": selectors.LIMIT_RULES[grade_band(c.grade)],
            "filed": c.pk in filings,
        }
        for c in classes
    ]
    return {
        "class_options": class_options,
        "filings": filings,
        "previous": previous,
        "previous_day": previous_day,
        "day": day,
        "selected": selected,
        "period": day_state(school_class_id=selected.pk, date=day) if selected is not None else None,
        "next_class": selectors.next_class(classes, selected.pk) if selected is not None else None,
        "page_data": {
            "day": day.isoformat(),
            "previousDay": previous_day.isoformat() if previous_day else "",
            "filings": {str(k): v for k, v in filings.items()},
            "previous": {str(k): v for k, v in previous.items()},
            "order": [c.pk for c in classes],
        },
    }


def _to_next_class(request, classes, school_class, day: dt.date):
    """After "保存并填报下一班": the next class of the list on the same day, or the landing grid after the last."""
    following = selectors.next_class(classes, school_class.pk)
    if following is None:
        messages.info(request, _("%(date)s 已是最后一个班级，请在首页核对各班填报情况。") % {"date": day.isoformat()})
        return redirect("home")
    return redirect(f"{reverse('homework:file')}?school_class={following.pk}&date={day.isoformat()}")


def _warn_over_limit(request, *, school_class, day: dt.date) -> None:
    """The same warning as the form's running total, after the filing: saved, but the sweep will record it."""
    load = selectors.day_written_load(school_class=school_class, date=day)
    if load is None or not load.over:
        return
    if load.limit == 0:
        text = _("一、二年级不布置家庭书面作业（%(rule)s），本次填报了 %(total)d 分钟。")
    else:
        text = _("书面作业合计 %(total)d 分钟，超过本年级上限 %(limit)d 分钟（%(rule)s）。")
    messages.warning(
        request,
        text % {"rule": load.rule_id, "total": load.total, "limit": load.limit}
        + _("作业已保存并公示，系统检查后会记录为问题线索；请减少书面作业后重新填报当天作业。"),
    )


def _place_errors(exc: ServiceError, day_form, forms_by_label) -> None:
    placed = False
    for label, fields in exc.fields.items():
        form = forms_by_label.get(label)
        target_form = form if form is not None else day_form
        if not isinstance(fields, dict):
            fields = {"non_field_errors": fields}
        for field, msgs in fields.items():
            for msg in msgs:
                name = field if field in target_form.fields else None
                if form is not None and name in ("school_class", "date"):
                    if msg not in day_form.errors.get(name, []):
                        day_form.add_error(name, msg)
                else:
                    target_form.add_error(name, msg)
                placed = True
    if not placed:
        day_form.add_error(None, exc.message)


@login_required
def upload(request):
    """A whole school's homework from a spreadsheet: every row checked, a report naming each bad row."""
    _filer(request)
    report, result, saved_rows = None, None, 0
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload_file = form.cleaned_data["file"]
            try:
                if upload_file.size > tabular.MAX_BYTES:
                    raise tabular.UploadError(_("文件超过 5 MB，请拆分后分批上传"))
                rows, labels = tabular.read_rows(upload_file.read())
            except tabular.UploadError as exc:
                form.add_error("file", str(exc))
            else:
                clean, errors = validate_items(rows, user=request.user, labels=labels)
                report = _report(errors)
                if not rows:
                    form.add_error("file", _("文件中没有作业行"))
                elif errors and not form.cleaned_data["save_good_rows"]:
                    messages.error(
                        request,
                        _("有 %(n)d 行有错误，整个文件都没有保存。请更正后重新上传，或勾选“仍保存正确的行”。")
                        % {"n": len(report)},
                    )
                elif clean:
                    result = services.homework_write(user=request.user, items=clean)
                    saved_rows = len(clean)
                    messages.success(
                        request, _("已保存 %(n)d 行作业，涉及 %(d)d 个班级日。") % {"n": saved_rows, "d": result.days}
                    )
    else:
        form = UploadForm()
    return render(request, "homework/upload.html", {"form": form, "report": report, "saved_rows": saved_rows})


FIELD_LABELS = {
    "school_class": gettext_lazy("班级ID"),
    "grade": gettext_lazy("年级"),
    "date": gettext_lazy("日期"),
    "subject": gettext_lazy("学科"),
    "kind": gettext_lazy("类型"),
    "minutes": gettext_lazy("预计完成时间"),
    "at_home": gettext_lazy("在家完成"),
    "for_parents": gettext_lazy("布置给家长"),
    "parent_grading": gettext_lazy("要求家长检查或批改"),
    "self_grading": gettext_lazy("要求学生自批自改"),
    "punitive": gettext_lazy("机械重复或惩罚性"),
    "beyond_standard": gettext_lazy("超出课程标准"),
    "content": gettext_lazy("作业内容"),
    "non_field_errors": "",
}


def _report(errors: dict) -> list[dict]:
    out = []
    for label, fields in errors.items():
        number = int(label.split()[-1]) if label.startswith("row ") else 0
        for field, msgs in fields.items():
            for msg in msgs:
                out.append({"row": number, "field": FIELD_LABELS.get(field, field), "message": msg})
    return sorted(out, key=lambda r: r["row"])


@login_required
@require_GET
def template(request):
    _filer(request)
    classes = list(selectors.classes_for_filing(user=request.user)[:2000])
    day = timezone.localdate()
    if request.GET.get("format") == "csv":
        response = HttpResponse(tabular.template_csv(classes, day=day), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="homework-template.csv"'
        return response
    response = HttpResponse(
        tabular.template_xlsx(classes, day=day),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="homework-template.xlsx"'
    return response


@login_required
def publication(request, class_id: int, date: str):
    """The class's homework for a day by subject (公示), for the class's staff, with the parents' share link."""
    school_class = get_object_or_404(selectors.classes_for_filing(user=request.user), pk=class_id)
    day = _date_or_404(date)
    context = selectors.publication(school_class=school_class, date=day)
    context.update(day_state(school_class_id=school_class.pk, date=day))
    # the class's link: it opens on the latest published day, so parents keep one link all year
    context["share_url"] = request.build_absolute_uri(
        reverse("homework:public", args=[selectors.share_token(school_class)])
    )
    context["staff"] = True
    return render(request, "homework/publication.html", context)


@require_GET
def public(request, token: str, date: str | None = None):
    """The share link parents get: that class's homework of a day, without login, and nothing else."""
    school_class = selectors.class_from_token(token)
    if school_class is None:
        raise Http404
    today = timezone.localdate()
    if date is None:
        day = selectors.latest_filed_date(school_class=school_class, on_or_before=today) or today
    else:
        day = _date_or_404(date)
        if day > today:
            raise Http404
    context = selectors.publication(school_class=school_class, date=day)
    context.update(day_state(school_class_id=school_class.pk, date=day))
    context["token"] = token
    context["previous_day"] = day - dt.timedelta(days=1)
    response = render(request, "homework/publication.html", context)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _date_or_404(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Http404 from exc
