"""Reads for the institution registry: staff lists, the export, and the public look-up (disclosed data only)."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.utils import timezone

from accounts.scoping import restrict
from schools.choices import SUBJECT_TYPE

from . import tabular
from .choices import LicenceStatus, ListStatus
from .imports import REGISTRY_COLUMNS
from .models import Course, Institution, ListStatusChange, Site, Trainer
from .pricing import guide_params, guide_price

SORTS = {
    "name": "name",
    "-name": "-name",
    "code": "credit_code",
    "district": "district__code",
    "approved": "approved_on",
    "-approved": "-approved_on",
    "-updated": "-updated_at",
}


def institution_list(
    *, user, q: str = "", category: str = "", licence_status: str = "", list_status: str = "", sort: str = "name"
):
    """The registry as the caller may see it, searched by name or credit code and filtered."""
    qs = restrict(Institution.objects.select_related("district"), user)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__istartswith=q))
    if category:
        qs = qs.filter(category=category)
    if licence_status:
        qs = qs.filter(licence_status=licence_status)
    if list_status:
        qs = qs.filter(list_status=list_status)
    return qs.order_by(SORTS.get(sort, "name"), "id")


def _cell(value):
    return "" if value is None else value


def registry_export_rows(*, user) -> list[list]:
    """The registry in scope, one row per institution, in the import's columns (choices as Chinese labels)."""
    rows = []
    for inst in restrict(Institution.objects.select_related("district"), user).order_by("district__code", "name"):
        rows.append(
            [
                inst.credit_code,
                inst.name,
                inst.district.code,
                inst.get_category_display(),
                inst.get_domain_display(),
                "、".join(_audience_label(a) for a in inst.audience),
                inst.get_mode_display(),
                "是" if inst.nonprofit else "否",
                inst.licence_no,
                inst.get_licence_status_display(),
                _cell(inst.approved_on),
                _cell(inst.reapproved_on),
                inst.icp_no,
                "是" if inst.listed else "否",
                "是" if inst.capital_raised else "否",
                "是" if inst.foreign_controlled else "否",
                inst.get_list_status_display(),
            ]
        )
    return rows


def _audience_label(code):
    from .choices import Audience

    try:
        return str(Audience(code).label)
    except ValueError:
        return code


def registry_export_xlsx(*, user) -> bytes:
    return tabular.write_xlsx(REGISTRY_COLUMNS, registry_export_rows(user=user), title="培训机构")


def institution_detail(*, user, pk: int) -> Institution:
    """One institution in the caller's scope with everything its page shows (a fixed number of queries)."""
    return (
        restrict(Institution.objects.select_related("district"), user)
        .prefetch_related(
            "sites",
            "trainers",
            "foreign_staff",
            "disclosures",
            Prefetch("courses", queryset=Course.objects.prefetch_related("trainers")),
            Prefetch("list_changes", queryset=_list_changes()),
        )
        .get(pk=pk)
    )


def _list_changes():
    from .models import ListStatusChange

    return ListStatusChange.objects.select_related("actor")


# --- public look-up: what the institution has disclosed, nothing internal ---------------------------------


def public_search(q: str, *, limit: int = 20):
    q = (q or "").strip()
    if len(q) < 2:
        return Institution.objects.none()
    return (
        Institution.objects.filter(Q(name__icontains=q) | Q(credit_code__iexact=q.upper()))
        .select_related("district")
        .order_by("name")[:limit]
    )


def public_institution_named(credit_code: str) -> Institution | None:
    """The institution of a credit code, for a public link that names it (the complaint form's pre-filled target)."""
    return Institution.objects.filter(credit_code=(credit_code or "").strip().upper()[:18]).only("pk", "name").first()


def public_institution(credit_code: str) -> dict | None:
    """The public card of one institution: licence, category, list status, approved sites, disclosed
    teachers with certificate numbers, disclosed courses with their price against the guide price."""
    inst = (
        Institution.objects.filter(credit_code=(credit_code or "").upper())
        .select_related("district")
        .prefetch_related(
            Prefetch("sites", queryset=Site.objects.filter(approved=True).order_by("address"), to_attr="public_sites"),
            Prefetch(
                "trainers", queryset=Trainer.objects.filter(disclosed=True).order_by("name"), to_attr="public_trainers"
            ),
            Prefetch(
                "courses", queryset=Course.objects.filter(disclosed=True).order_by("name"), to_attr="public_courses"
            ),
        )
        .first()
    )
    if inst is None:
        return None
    params = guide_params(on=timezone.localdate())
    courses = []
    for course in inst.public_courses:
        entry = {
            "name": course.name,
            "subject": course.subject,
            "subject_display": str(course.get_subject_display()),
            "mode": course.mode,
            "mode_display": str(course.get_mode_display()),
            "class_size": course.class_size,
            "lesson_minutes": course.lesson_minutes,
            "price_per_lesson": course.price_per_lesson,
            "guide_price": None,
        }
        if course.subject in SUBJECT_TYPE:
            price = guide_price(
                mode=course.mode, class_size=course.class_size, lesson_minutes=course.lesson_minutes, params=params
            )
            entry["guide_price"] = {
                "benchmark": price.benchmark,
                "standard_minutes": price.standard_minutes,
                "float": price.float_share,
                "max_allowed": price.max_allowed,
                "above_guide_price": price.exceeded_by(course.price_per_lesson),
            }
        courses.append(entry)
    return {
        "name": inst.name,
        "credit_code": inst.credit_code,
        "district": inst.district.name,
        "category": inst.category,
        "category_display": str(inst.get_category_display()),
        "mode": inst.mode,
        "mode_display": str(inst.get_mode_display()),
        "licence_no": inst.licence_no,
        "licence_status": inst.licence_status,
        "licence_status_display": str(inst.get_licence_status_display()),
        "licence_valid": inst.licence_status == "valid",
        "list_status": inst.list_status,
        "list_status_display": str(inst.get_list_status_display()),
        "list_status_since": inst.list_status_since if inst.list_status != ListStatus.NONE else None,
        "sites": [{"address": s.address, "approved_on": s.approved_on} for s in inst.public_sites],
        "trainers": [{"name": t.name, "certificate_no": t.certificate_no} for t in inst.public_trainers],
        "courses": courses,
        "warning": _public_warning(inst),
    }


def _public_warning(inst: Institution) -> dict | None:
    """Why a parent must not enrol: black-listed (with the recorded reason and date) or without a licence in force
    (revoked, expired, never held). None for an institution a parent may consider."""
    if inst.list_status == ListStatus.BLACK:
        change = (
            ListStatusChange.objects.filter(institution=inst, to_status=ListStatus.BLACK)
            .order_by("-effective_on", "-at")
            .only("reason", "effective_on")
            .first()
        )
        return {
            "kind": "black",
            "reason": change.reason if change else "",
            "since": (change.effective_on if change else None) or inst.list_status_since,
        }
    if inst.licence_status != LicenceStatus.VALID:
        return {"kind": inst.licence_status, "reason": "", "since": None}
    return None
