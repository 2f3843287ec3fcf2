"""Pages of filing periods: the corrections list, the request form (rows typed or a file), a correction's page with
the district's decision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.scoping import is_city, role_of
from homework import tabular
from homework.choices import HomeworkKind
from homework.selectors import classes_for_filing
from homework.views import FIELD_LABELS
from schools.choices import Subject
from shuangjian.errors import ServiceError

from . import selectors, services
from .choices import CorrectionStatus
from .forms import CorrectionForm, CorrectionRowFormSet, DecisionForm

SORTS = {"-requested": ["-requested_at", "-id"], "requested": ["requested_at", "id"], "-date": ["-date", "-id"]}
EXTRA_ROWS = 5


def _staff(request):
    if not (is_city(request.user) or role_of(request.user)):
        raise PermissionDenied
    return request.user


@login_required
def correction_list(request):
    user = _staff(request)
    corrections = selectors.corrections_visible(user=user)
    status = request.GET.get("status", "")
    if status in CorrectionStatus.values:
        corrections = corrections.filter(status=status)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "-requested"
    page = Paginator(corrections.order_by(*SORTS[sort]), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sortless = query.copy()
    sortless.pop("sort", None)
    return render(
        request,
        "periods/correction_list.html",
        {
            "page": page,
            "sort": sort,
            "status": status,
            "statuses": CorrectionStatus.choices,
            "query": query.urlencode(),
            "sortless": sortless.urlencode(),
            "may_request": selectors.may_request(user),
        },
    )


def _report(fields: dict) -> list[dict]:
    out = []
    for label, errors in fields.items():
        number = int(label.split()[-1]) if str(label).startswith("row ") and label.split()[-1].isdigit() else 0
        if not isinstance(errors, dict):
            errors = {"non_field_errors": errors}
        for field, msgs in errors.items():
            for msg in msgs:
                out.append({"row": number or label, "field": FIELD_LABELS.get(field, field), "message": msg})
    return out


@login_required
def correction_new(request):
    """A school asks to correct a closed day: the classes, why, and the new rows typed here or uploaded."""
    user = _staff(request)
    if not selectors.may_request(user):
        raise PermissionDenied(_("只有学校工作人员可以为本校提出更正申请"))
    classes = classes_for_filing(user=user)
    class_choices = [(c.pk, c.name) for c in classes]
    report = []
    if request.method == "POST":
        form = CorrectionForm(request.POST, request.FILES, classes=classes)
        formset = CorrectionRowFormSet(request.POST, prefix="items", form_kwargs={"class_choices": class_choices})
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            day = data["date"]
            rows, labels, file_name = [], [], ""
            try:
                if data["file"]:
                    upload = data["file"]
                    if upload.size > tabular.MAX_BYTES:
                        raise tabular.UploadError(_("文件超过 5 MB，请拆分后分批上传"))
                    rows, labels = tabular.read_rows(upload.read())
                    file_name = upload.name
                else:
                    for n, row_form in enumerate(formset.forms, start=1):
                        if row_form.is_blank():
                            continue
                        row = dict(row_form.cleaned_data)
                        rows.append({**row, "date": day})
                        labels.append(f"row {n}")
            except tabular.UploadError as exc:
                form.add_error("file", str(exc))
            else:
                try:
                    correction = services.correction_request(
                        user=user,
                        date=day,
                        class_ids=[c.pk for c in data["school_classes"]],
                        reason=data["reason"],
                        items=rows,
                        labels=labels,
                        file_name=file_name,
                        request=request,
                    )
                except ServiceError as exc:
                    form.add_error(None, exc.message)
                    report = _report(exc.fields)
                else:
                    messages.success(request, _("更正申请已提交，等待区教委审批"))
                    return redirect("periods:detail", correction.pk)
    else:
        form = CorrectionForm(
            initial={"date": request.GET.get("date"), "school_classes": request.GET.getlist("school_class")},
            classes=classes,
        )
        formset = CorrectionRowFormSet(
            prefix="items",
            initial=[{"kind": "written", "at_home": True}] * EXTRA_ROWS,
            form_kwargs={"class_choices": class_choices},
        )
    return render(request, "periods/correction_form.html", {"form": form, "formset": formset, "report": report})


@login_required
def correction_detail(request, pk: int):
    """A correction: the class-days, the new rows, the versions it replaced; the district decides here."""
    user = _staff(request)
    correction = get_object_or_404(selectors.corrections_visible(user=user), pk=pk)
    may_decide = selectors.may_decide(user) and correction.is_pending
    form = DecisionForm()
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == "approve":
                    services.correction_approve(
                        user=user, correction=correction, reason=form.cleaned_data["reason"], request=request
                    )
                    messages.success(request, _("已批准：更正后的作业已替换原作业，原作业保留为历史版本"))
                else:
                    services.correction_reject(
                        user=user, correction=correction, reason=form.cleaned_data["reason"], request=request
                    )
                    messages.success(request, _("已驳回该更正申请"))
            except ServiceError as exc:
                form.add_error("reason" if "reason" in exc.fields else None, exc.message)
            else:
                return redirect("periods:detail", correction.pk)
    days = list(correction.days.select_related("school_class").order_by("school_class__name"))
    names = {d.school_class_id: d.school_class.name for d in days}
    subjects, kinds = dict(Subject.choices), dict(HomeworkKind.choices)
    rows = [
        {
            **r,
            "class_name": names.get(r["school_class"], r["school_class"]),
            "subject_label": subjects.get(r["subject"], r["subject"]),
            "kind_label": kinds.get(r["kind"], r["kind"]),
        }
        for r in correction.rows
    ]
    return render(
        request,
        "periods/correction_detail.html",
        {
            "correction": correction,
            "days": days,
            "rows": rows,
            "versions": list(correction.versions.select_related("school_class").order_by("school_class__name")),
            "form": form,
            "may_decide": may_decide,
        },
    )
