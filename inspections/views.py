"""Pages of inspections: the list (filtered, sorted, paged), the record form, the detail page, a photo."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.scoping import is_city, restrict, role_of
from compliance import registry
from shuangjian.errors import ForbiddenError, ServiceError
from shuangjian.forms import add_service_errors

from . import selectors, services
from .filtersets import InspectionPageFilterSet
from .forms import InspectionForm
from .models import Inspection, InspectionPhoto
from .uploads import check_request_size

SORTS = {"-date": ["-date", "-id"], "date": ["date", "id"]}


def _staff(request):
    if not (is_city(request.user) or role_of(request.user)):
        raise PermissionDenied
    return request.user


@login_required
def inspection_list(request):
    user = _staff(request)
    filterset = InspectionPageFilterSet(
        request.GET or None, queryset=selectors.inspections_visible(user=user), user=user
    )
    inspections = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "-date"
    page = Paginator(inspections.order_by(*SORTS[sort]), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sortless = query.copy()
    sortless.pop("sort", None)
    return render(
        request,
        "inspections/inspection_list.html",
        {
            "filterset": filterset,
            "page": page,
            "sort": sort,
            "query": query.urlencode(),
            "sortless": sortless.urlencode(),
            "may_record": selectors.may_record(user),
        },
    )


def _refused(own_district, exc: ServiceError):
    """An empty form carrying the refusal of a submission too large to read."""
    form = InspectionForm(initial={}, own_district=own_district)
    form.full_clean()
    form.add_error(None, exc.message)
    return form


@login_required
def inspection_new(request):
    """Record an inspection. "刷新" (``refresh``) re-renders with the chosen district's subjects and the
    checklist of the chosen subject, keeping what was typed, and saves nothing."""
    user = _staff(request)
    if not selectors.may_record(user):
        raise PermissionDenied
    profile = role_of(user)
    own_district = None if is_city(user) else profile.district
    status = 200
    if request.method == "POST" and "refresh" in request.POST:
        form = InspectionForm(initial=request.POST.dict(), own_district=own_district)
    elif request.method == "POST":
        try:
            check_request_size(request)
        except ServiceError as exc:
            return render(
                request,
                "inspections/inspection_form.html",
                {"form": _refused(own_district, exc), "city": own_district is None},
                status=exc.status_code,
            )
        form = InspectionForm(request.POST, request.FILES, own_district=own_district)
        if form.is_valid():
            data = form.cleaned_data
            try:
                inspection = services.inspection_record(
                    actor=user,
                    date=data["date"],
                    district=data["district"],
                    school=data["subject"]["school"],
                    institution=data["subject"]["institution"],
                    place=data["place"],
                    inspectors=data["inspectors"],
                    kind=data["kind"],
                    notes=data["notes"],
                    items=form.items(),
                    photos=form.photo_entries(),
                    request=request,
                )
            except ForbiddenError:
                raise PermissionDenied from None
            except ServiceError as exc:
                add_service_errors(form, exc)
            else:
                raised = inspection.items.filter(finding__isnull=False).count()
                messages.success(
                    request,
                    _("督导检查已录入，发现 %(n)d 项违规，已生成问题线索") % {"n": raised}
                    if raised
                    else _("督导检查已录入，未发现违规"),
                )
                return redirect("inspections:detail", pk=inspection.pk)
        status = 400
    else:
        initial = {k: v for k, v in request.GET.items() if k in ("district", "subject")}
        form = InspectionForm(initial=initial, own_district=own_district)
    return render(
        request,
        "inspections/inspection_form.html",
        {"form": form, "city": own_district is None},
        status=status,
    )


@login_required
def inspection_detail(request, pk):
    user = _staff(request)
    try:
        inspection = selectors.inspection_with_items(user=user, pk=pk)
    except Inspection.DoesNotExist:
        raise Http404 from None
    rows = [
        {"item": item, "rule": registry.get_rule(item.rule_id) if registry.is_registered(item.rule_id) else None}
        for item in inspection.items.all()
    ]
    return render(
        request,
        "inspections/inspection_detail.html",
        {"inspection": inspection, "rows": rows, "photos": list(inspection.photos.all())},
    )


@login_required
def photo(request, pk, photo_id):
    user = _staff(request)
    inspection = get_object_or_404(restrict(Inspection.objects.all(), user), pk=pk)
    item = get_object_or_404(InspectionPhoto.objects.filter(inspection=inspection), pk=photo_id)
    try:
        handle = item.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=item.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
