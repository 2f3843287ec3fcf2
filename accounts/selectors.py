"""What each role's landing page shows, read through the scoping mechanism."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from schools.models import District, School, SchoolClass
from schools.selectors import calendar_expiry_warning

from .choices import Role
from .scoping import is_city, restrict, role_of

#: pages every staff role may open, shown when the app that provides them is installed
STAFF_LINKS = {
    Role.CITY: [
        ("dashboards:city", _("全市数据看板")),
        ("compliance:findings", _("问题线索")),
        ("compliance:runs", _("合规检查")),
        ("schools:statutory-years", _("法定节假日年度")),
        ("schools:month", _("校历月历")),
        ("compliance:parameters", _("规则参数")),
        ("inspections:list", _("督导检查")),
        ("institutions:list", _("培训机构登记")),
        ("funds:overview", _("预收费资金监管")),
        ("complaints:inbox", _("投诉受理")),
        ("audit", _("审计日志")),
        ("users", _("用户密码重置")),
        ("api-docs", _("API 文档")),
    ],
    Role.DISTRICT: [
        ("dashboards:district-home", _("本区数据看板")),
        ("compliance:findings", _("问题线索")),
        ("compliance:runs", _("合规检查")),
        ("inspections:list", _("督导检查")),
        ("institutions:list", _("培训机构登记")),
        ("funds:overview", _("预收费资金监管")),
        ("complaints:inbox", _("投诉受理")),
        ("users", _("用户密码重置")),
    ],
    Role.SCHOOL: [
        ("homework:file", _("填报作业")),
        ("homework:upload", _("批量上传作业")),
        ("afterschool:report", _("填报课后服务")),
        ("compliance:findings", _("本校问题线索")),
    ],
    Role.INSTITUTION: [
        ("institutions:mine", _("本机构信息")),
        ("funds:refunds", _("退费申请")),
        ("funds:accounts", _("资金监管账户")),
    ],
    Role.BANK: [
        ("api-docs", _("API 文档")),
    ],
}


PUBLIC_LINKS = [
    ("complaints:submit", _("投诉举报")),
    ("complaints:track", _("查询投诉进度")),
    ("institutions:lookup", _("查询培训机构")),
    ("funds:refund-request", _("申请退费")),
    ("funds:refund-track", _("查询退费进度")),
]


def public_links():
    return _resolve(PUBLIC_LINKS)


def _resolve(pairs):
    out = []
    for name, label in pairs:
        try:
            out.append({"url": reverse(name), "label": label})
        except NoReverseMatch:
            continue
    return out


def landing_context(*, user, role) -> dict:
    profile = role_of(user)
    context = {"role": role, "links": _resolve(STAFF_LINKS.get(role, []))}
    if role == Role.CITY:
        context["districts"] = District.objects.all()
        context["school_count"] = School.objects.count()
        context["class_count"] = SchoolClass.objects.count()
        context["calendar_warning"] = calendar_expiry_warning()
    elif role == Role.DISTRICT:
        context["district"] = profile.district
        context["school_count"] = restrict(School.objects.all(), user).count()
        context["class_count"] = restrict(SchoolClass.objects.all(), user).count()
    elif role == Role.SCHOOL:
        context["school"] = profile.school
        context["grid"] = _filing_grid(user, profile.school)
    elif role == Role.INSTITUTION:
        context["institution"] = profile.institution
    context["findings"] = _open_findings(user)
    context["notices"] = _open_notices(user)
    return context


def _filing_grid(user, school):
    """The school's classes by its last school days, each class-day's filing state (homework.selectors)."""
    from django.utils import timezone

    from homework.selectors import FilingGrid, filing_grid, grid_days
    from schools.calendar import CalendarGap

    try:
        days = grid_days(district_id=school.district_id, today=timezone.localdate())
    except CalendarGap as exc:
        return FilingGrid(days=[], rows=[], calendar_problem=exc.message)
    return filing_grid(user=user, days=days)


def _open_notices(user):
    """The rectification notices waiting for the caller (a report to write, a report to review)."""
    from compliance.selectors import notices_open_for_landing

    return notices_open_for_landing(user=user, limit=20)


def _open_findings(user):
    """The caller's open findings with the rule's hint (what to fix), newest first."""
    from compliance.selectors import open_findings_for_landing

    return open_findings_for_landing(user=user, limit=20)


def may_reset_passwords(user) -> bool:
    """City staff and district staff administer accounts; schools and institutions do not."""
    profile = role_of(user)
    return is_city(user) or bool(profile and profile.role == Role.DISTRICT)


def users_resettable_by(*, actor):
    """The accounts whose password ``actor`` may reset (用户密码重置), through the scoping mechanism.

    City staff: every staff account. District staff: the district staff of their own district and the staff of
    its schools and institutions (the districts, schools and institutions ``restrict`` lets them see), never
    city staff. Never the actor themselves (they change their own password), never an inactive account, and
    never an account of the Django admin (``is_staff``/superuser: an administrator handed its one-time password
    would gain the admin site).
    """
    from institutions.models import Institution

    if not may_reset_passwords(actor):
        return get_user_model().objects.none()
    scope = (
        Q(profile__role=Role.DISTRICT, profile__district__in=restrict(District.objects.all(), actor))
        | Q(profile__role=Role.SCHOOL, profile__school__in=restrict(School.objects.all(), actor))
        | Q(profile__role=Role.INSTITUTION, profile__institution__in=restrict(Institution.objects.all(), actor))
    )
    if is_city(actor):
        scope |= Q(profile__role=Role.CITY)
    return (
        get_user_model()
        .objects.filter(scope, is_active=True, is_staff=False, is_superuser=False)
        .exclude(pk=actor.pk)
        .select_related("profile__district", "profile__school__district", "profile__institution__district")
        .order_by("profile__role", "username")
    )


# --- the audit trail as people read it ---------------------------------------------------------------------

#: the detail keys the services write, as the audit page names them
AUDIT_DETAIL_LABELS = {
    "key": _("参数"),
    "value": _("取值"),
    "effective_from": _("生效日期"),
    "source": _("依据"),
    "previous_value": _("原取值"),
    "past_confirmed": _("确认追溯并重新检查"),
    "year": _("年份"),
    "holidays": _("法定节假日"),
    "makeup_days": _("调休上班日"),
    "replaced": _("替换前"),
    "move": _("划转"),
    "reason": _("原因"),
    "status": _("状态"),
    "from": _("从"),
    "to": _("至"),
    "run": _("合规检查"),
}

#: the page of an audited object, by its type: (URL name, how to fill its argument from the event)
AUDIT_OBJECT_LINKS = {
    "compliance.finding": ("compliance:finding", lambda e: {"pk": int(e.object_id)}),
    "compliance.rectificationnotice": ("compliance:notice", lambda e: {"pk": int(e.object_id)}),
    "compliance.compliancerun": ("compliance:run", lambda e: {"pk": int(e.object_id)}),
    "compliance.ruleparameter": ("compliance:parameter", lambda e: {"key": (e.detail or {}).get("key", "")}),
    "schools.term": ("schools:term", lambda e: {"pk": int(e.object_id)}),
    "schools.vacation": ("schools:vacation", lambda e: {"pk": int(e.object_id)}),
    "schools.statutoryyear": ("schools:statutory-years", lambda e: {}),
    "inspections.inspection": ("inspections:detail", lambda e: {"pk": int(e.object_id)}),
    "institutions.institution": ("institutions:detail", lambda e: {"pk": int(e.object_id)}),
}


def _audit_value(value) -> str:
    """A stored value as text: lists one item after another, mappings as "名称：值", nothing as a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, list):
        return "、".join(_audit_value(v) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{AUDIT_DETAIL_LABELS.get(k, k)}：{_audit_value(v)}" for k, v in value.items())
    return str(value)


def _field_label(model, name: str) -> str:
    if model is not None:
        try:
            return str(model._meta.get_field(name).verbose_name)
        except Exception:  # noqa: BLE001 - a key that is not a field keeps the page's own name for it
            pass
    return str(AUDIT_DETAIL_LABELS.get(name, name))


def audit_events_readable(events) -> list:
    """The page's events, each with ``object_label`` (the kind of object in words), ``object_url`` (its page,
    when it has one), ``changes`` (rows of field, before, after with the field's own label) and ``facts`` (the
    other details as label and text): no Python dicts on the page."""
    from django.apps import apps
    from django.urls import NoReverseMatch, reverse

    out = []
    for event in events:
        model = None
        if event.object_type and "." in event.object_type:
            try:
                model = apps.get_model(event.object_type)
            except (LookupError, ValueError):
                model = None
        event.object_label = str(model._meta.verbose_name) if model is not None else event.object_type
        event.object_url = ""
        link = AUDIT_OBJECT_LINKS.get(event.object_type)
        if link and event.object_id:
            try:
                event.object_url = reverse(link[0], kwargs=link[1](event))
            except (NoReverseMatch, ValueError):
                event.object_url = ""
        detail = event.detail if isinstance(event.detail, dict) else {"detail": event.detail}
        event.changes = [
            {
                "label": _field_label(model, name),
                "before": _audit_value(c.get("from")),
                "after": _audit_value(c.get("to")),
            }
            for name, c in (detail.get("changes") or {}).items()
            if isinstance(c, dict)
        ]
        event.facts = [
            {"label": _field_label(model, name), "text": _audit_value(value)}
            for name, value in detail.items()
            if name != "changes"
        ]
        out.append(event)
    return out
