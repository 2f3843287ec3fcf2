"""What each role's landing page shows, read through the scoping mechanism."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from schools.models import District, School, SchoolClass

from .choices import Role
from .scoping import restrict, role_of

#: pages every staff role may open, shown when the app that provides them is installed
STAFF_LINKS = {
    Role.CITY: [
        ("dashboards:city", _("全市数据看板")),
        ("compliance:findings", _("问题线索")),
        ("compliance:runs", _("合规检查")),
        ("institutions:list", _("培训机构登记")),
        ("complaints:inbox", _("投诉受理")),
        ("audit", _("审计日志")),
        ("api-docs", _("API 文档")),
    ],
    Role.DISTRICT: [
        ("dashboards:district-home", _("本区数据看板")),
        ("compliance:findings", _("问题线索")),
        ("institutions:list", _("培训机构登记")),
        ("complaints:inbox", _("投诉受理")),
    ],
    Role.SCHOOL: [
        ("homework:file", _("填报作业")),
        ("homework:upload", _("批量上传作业")),
        ("afterschool:report", _("填报课后服务")),
        ("compliance:findings", _("本校问题线索")),
    ],
    Role.INSTITUTION: [
        ("institutions:mine", _("本机构信息")),
    ],
}


PUBLIC_LINKS = [
    ("complaints:submit", _("投诉举报")),
    ("complaints:track", _("查询投诉进度")),
    ("institutions:lookup", _("查询培训机构")),
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
    elif role == Role.DISTRICT:
        context["district"] = profile.district
        context["school_count"] = restrict(School.objects.all(), user).count()
        context["class_count"] = restrict(SchoolClass.objects.all(), user).count()
    elif role == Role.SCHOOL:
        context["school"] = profile.school
        context["classes"] = restrict(SchoolClass.objects.all(), user).order_by("grade", "name")
    elif role == Role.INSTITUTION:
        context["institution"] = profile.institution
    context["findings"] = _open_findings(user)
    return context


def _open_findings(user):
    """The caller's open findings with the rule's hint (what to fix), newest first."""
    from compliance.selectors import open_findings_for_landing

    return open_findings_for_landing(user=user, limit=20)


