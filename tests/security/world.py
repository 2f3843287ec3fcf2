"""One small world for the security tests: every kind of scoped object, once in each scope, and a user per role.

School A, the institution (and a second institution) sit in district 1 (110101); school B and institution B in
district 2 (110102). Every object the API or a page can show exists on both sides, so a test can ask one role
for the other side's object and check that it is not found, and can read a list and check that nothing of the
other side is in it. ``anchors`` records, for each object, the scopes that may see it (city staff see all).
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from accounts.audit import audit_record
from afterschool.models import Activity, DailyReport, Programme, ProviderSelection
from complaints.models import ComplaintPhoto
from complaints.services import complaint_submit
from compliance.models import ComplianceRun, Finding, RectificationNotice, RectificationReport, ReportAttachment
from dashboards.models import MonthlyReport
from dashboards.services import _frozen_figures
from homework.models import CompletionSurvey, HomeworkDay, HomeworkItem
from inspections.services import inspection_record
from institutions.models import EnrolmentFiling, ListStatusChange
from notifications.models import Notification
from notifications.services import notify_school
from periods.models import Correction, CorrectionDay, DayVersion
from schools.models import Term, Vacation
from tests import factories as f
from tests.institutions.factories import (
    CourseFactory,
    DisclosureFactory,
    ForeignStaffFactory,
    PrepaymentFactory,
    SessionFactory,
    SiteFactory,
    TrainerFactory,
)

ROLES = ("anonymous", "parent", "school_a", "school_b", "institution", "district1", "district2", "city")
#: the roles that sign in (the parent holds a tracking code and secret, not an account)
STAFF_ROLES = ("school_a", "school_b", "institution", "district1", "district2", "city")

SCHOOL_DAY = dt.date(2026, 11, 10)  # a Tuesday in the autumn term
TZ = timezone.get_default_timezone()


def _at(day, hour):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)), TZ)


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 120, 10)).save(buf, format="PNG")
    return buf.getvalue()


@dataclass(repr=False)
class Side:
    """Everything one school, its district and one institution there own."""

    district: object
    school: object
    institution: object
    objects: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return self.objects[key]


@dataclass(repr=False)
class World:
    users: dict
    tokens: dict
    a: Side  # district 1: school A, the institution
    b: Side  # district 2: school B, institution B
    other_institution: object  # a second institution in district 1
    other_objects: dict
    tracking_code: str
    secret: str
    audit_event: object
    term: object
    #: (model label, pk) -> the anchors that may see it: {("district", id), ("school", id), ("institution", id)}
    anchors: dict = field(default_factory=dict)
    #: role -> the key of a signed-in session (filled by the tests' fixture)
    sessions: dict = field(default_factory=dict)

    def anchor_of(self, role):
        """The scope a role acts for, as an anchor; None for city staff (everything) and for the public."""
        return {
            "school_a": ("school", self.a.school.pk),
            "school_b": ("school", self.b.school.pk),
            "institution": ("institution", self.a.institution.pk),
            "district1": ("district", self.a.district.pk),
            "district2": ("district", self.b.district.pk),
        }.get(role)


def _register(world_anchors, obj, *, district=None, school=None, institution=None):
    anchors = set()
    if district is not None:
        anchors.add(("district", district.pk))
    if school is not None:
        anchors.add(("school", school.pk))
    if institution is not None:
        anchors.add(("institution", institution.pk))
    world_anchors[(obj._meta.label, obj.pk)] = frozenset(anchors)
    return obj


def _institution_records(anchors, inst, actor):
    """A site, trainer, foreign staff member, course, session, filing, prepayment, disclosure and list change."""
    reg = lambda obj: _register(anchors, obj, district=inst.district, institution=inst)  # noqa: E731
    site = reg(SiteFactory(institution=inst))
    trainer = reg(TrainerFactory(institution=inst))
    course = reg(CourseFactory(institution=inst))
    course.trainers.set([trainer])
    return {
        "site": site,
        "trainer": trainer,
        "foreign_staff": reg(ForeignStaffFactory(institution=inst)),
        "course": course,
        # held before the matrix's clock (its attendance can be recorded), a Saturday morning
        "session": reg(
            SessionFactory(
                course=course,
                site=site,
                starts_at=dt.datetime(2026, 11, 7, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
            )
        ),
        "filing": reg(
            EnrolmentFiling.objects.create(
                course=course, filed_on=dt.date(2026, 9, 1), enrolment_opens_on=dt.date(2026, 9, 10), fees="每课时60元"
            )
        ),
        "prepayment": reg(PrepaymentFactory(course=course)),
        "disclosure": reg(DisclosureFactory(institution=inst)),
        "list_change": reg(
            ListStatusChange.objects.create(
                institution=inst,
                from_status="none",
                to_status="white",
                effective_on=dt.date(2026, 3, 1),
                reason="年检合格",
                actor=actor,
            )
        ),
    }


def _school_records(anchors, school, *, name):
    """A class, a teacher, a filed homework day with one item, a survey, a daily report, a programme and activity."""
    district = school.district
    reg = lambda obj: _register(anchors, obj, district=district, school=school)  # noqa: E731
    school_class = reg(f.SchoolClassFactory(school=school, grade=4, name=f"{name}四年级1班"))
    filed = _at(SCHOOL_DAY, 18)
    item = reg(
        HomeworkItem.objects.create(
            school_class=school_class,
            school=school,
            date=SCHOOL_DAY,
            subject="maths",
            kind="written",
            minutes=30,
            filed_at=filed,
        )
    )
    day = reg(
        HomeworkDay.objects.create(
            school_class=school_class, school=school, date=SCHOOL_DAY, first_filed_at=filed, last_filed_at=filed
        )
    )
    survey = reg(
        CompletionSurvey.objects.create(
            school_class=school_class,
            school=school,
            date=SCHOOL_DAY,
            subject="maths",
            kind="written",
            measured_minutes=25,
            sample_size=10,
            recorded_at=_at(SCHOOL_DAY, 21),
        )
    )
    report = reg(
        DailyReport.objects.create(
            school=school,
            date=SCHOOL_DAY,
            pe_minutes=45,
            stage1_minutes=15,
            end_time=dt.time(17, 30),
            enrolled=300,
            participants=280,
            filed_at=_at(SCHOOL_DAY, 19),
            first_filed_at=_at(SCHOOL_DAY, 19),
        )
    )
    correction = reg(
        Correction.objects.create(
            school=school,
            date=SCHOOL_DAY,
            reason="数学作业时长录错",
            rows=[
                {
                    "school_class": school_class.pk,
                    "subject": "maths",
                    "kind": "written",
                    "minutes": 20,
                    "at_home": True,
                    "for_parents": False,
                    "parent_grading": False,
                    "self_grading": False,
                    "punitive": False,
                    "beyond_standard": False,
                    "content": "",
                }
            ],
            requested_at=_at(SCHOOL_DAY + dt.timedelta(days=3), 9),
        )
    )
    CorrectionDay.objects.create(correction=correction, school_class=school_class, base_version=0)
    earlier = reg(
        Correction.objects.create(
            school=school,
            date=SCHOOL_DAY,
            reason="更早的更正",
            rows=[],
            status="approved",
            requested_at=_at(SCHOOL_DAY + dt.timedelta(days=2), 9),
            decided_at=_at(SCHOOL_DAY + dt.timedelta(days=2), 10),
        )
    )
    version = reg(
        DayVersion.objects.create(
            school_class=school_class,
            school=school,
            date=SCHOOL_DAY - dt.timedelta(days=1),
            version=1,
            items=[],
            correction=earlier,
            replaced_at=_at(SCHOOL_DAY + dt.timedelta(days=2), 10),
        )
    )
    return {
        "class": school_class,
        "teacher": reg(f.SchoolTeacherFactory(school=school)),
        "correction": correction,
        "day_version": version,
        "homework": item,
        "homework_day": day,
        "survey": survey,
        "report": report,
    }


def _finding(anchors, rule_id, district, *, school=None, institution=None, summary):
    now = timezone.now()
    finding = Finding.objects.create(
        rule_id=rule_id,
        district=district,
        school=school,
        institution=institution,
        period_start=SCHOOL_DAY,
        fingerprint=secrets.token_hex(16),
        status="open",
        first_seen=now,
        last_seen=now,
        status_changed_at=now,
        summary=summary,
    )
    return _register(anchors, finding, district=district, school=school, institution=institution)


def _notices(anchors, district, school, *, name):
    """Two rectification notices to the side's school: one waiting for its report, one whose report waits for
    the review (with a photo attached)."""
    out = {}
    for key, state in (("notice", "issued"), ("notice_submitted", "submitted")):
        finding = _finding(anchors, "HW-5-G12", district, school=school, summary=f"{name}校一年级书面作业")
        Finding.objects.filter(pk=finding.pk).update(
            status="notified" if state == "issued" else "rectification_submitted"
        )
        notice = RectificationNotice.objects.create(
            number=f"{district.code}-2026-9{len(out):03d}",
            district=district,
            school=school,
            issued_on=SCHOOL_DAY,
            working_days=5,
            deadline=SCHOOL_DAY + dt.timedelta(days=7),
            basis="第五条",
            required_action="停止布置家庭书面作业",
            state=state,
        )
        notice.findings.set([finding])
        out[key] = _register(anchors, notice, district=district, school=school)
    report = RectificationReport.objects.create(notice=out["notice_submitted"], text="已整改")
    attachment = ReportAttachment(report=report, name="photo.png", content_type="image/png", extension="png", size=1)
    attachment.file.save("photo.png", ContentFile(png_bytes()), save=False)
    attachment.size = attachment.file.size
    attachment.save()
    out["attachment"] = _register(anchors, attachment, district=district, school=school)
    return out


def _monthly_reports(anchors, district, district_user, city_user):
    """Three monthly reports of the district: a draft (October), one submitted (September), one accepted
    (August), so that each step of the state machine has a report it applies to."""
    now = timezone.now()
    out = {}
    for key, month, state in (
        ("report_draft", dt.date(2026, 10, 1), "draft"),
        ("report_submitted", dt.date(2026, 9, 1), "submitted"),
        ("report_accepted", dt.date(2026, 8, 1), "accepted"),
    ):
        report = MonthlyReport.objects.create(
            district=district,
            month=month,
            state=state,
            figures=_frozen_figures(district=district, month=month, actor=city_user),
            frozen_at=now,
            frozen_by=district_user,
            submitted_at=now if state != "draft" else None,
            submitted_by=district_user if state != "draft" else None,
            accepted_at=now if state == "accepted" else None,
            accepted_by=city_user if state == "accepted" else None,
        )
        out[key] = _register(anchors, report, district=district)
    return out


def _complaint(anchors, district, *, text):
    complaint, secret = complaint_submit(
        target_kind="other",
        target_text=text,
        district=district,
        category="unlicensed",
        description="小区里有人办补习班，周末上课。",
        occurred_on=SCHOOL_DAY,
        contact_name="张三",
        contact_phone="13800000000",
    )
    photo = ComplaintPhoto(complaint=complaint, content_type="image/png", size=len(png_bytes()))
    photo.image.save("photo.png", ContentFile(png_bytes()), save=True)
    _register(anchors, complaint, district=district)
    _register(anchors, photo, district=district)
    return complaint, secret, photo


def _funds(anchors, district, inst, name):
    """A supervised account at the side's bank with a day's statement, and a parent's refund request (with its
    secret, which the parent holds); a second receipt for the refund form to name."""
    from funds.models import Bank, BankStatement, StatementLine, SupervisedAccount
    from funds.services import refund_request_submit
    from tests.funds.factories import FundsPrepaymentFactory

    reg = lambda obj: _register(anchors, obj, district=district, institution=inst)  # noqa: E731
    bank = Bank.objects.create(code=f"BANK-{name}", name=f"{name}存管银行")
    account = reg(
        SupervisedAccount.objects.create(
            institution=inst,
            bank=bank,
            account_no=f"6222{name}0000000001",
            agreement_no=f"JG-{name}-1",
            agreement_signed_on=dt.date(2026, 8, 20),
            opened_on=dt.date(2026, 9, 1),
        )
    )
    course = reg(CourseFactory(institution=inst))
    paid = reg(FundsPrepaymentFactory(course=course, receipt_no=f"R-{name}-1", supervised_account=account))
    spare = reg(FundsPrepaymentFactory(course=course, receipt_no=f"R-{name}-2", supervised_account=account))
    statement = reg(
        BankStatement.objects.create(
            account=account, statement_date=SCHOOL_DAY, closing_balance=paid.amount, source="file"
        )
    )
    reg(
        StatementLine.objects.create(
            statement=statement,
            account=account,
            txn_id=f"T-{name}-1",
            kind="deposit",
            value_date=SCHOOL_DAY,
            amount=paid.amount,
            reference=paid.receipt_no,
            prepayment=paid,
        )
    )
    refund, secret = refund_request_submit(institution=inst, receipt_no=paid.receipt_no, contact_phone="13900000000")
    return {
        "bank": bank,
        "account": account,
        "funds_prepayment": paid,
        "spare_prepayment": spare,
        "statement": statement,
        "refund": reg(refund),
        "refund_secret": secret,
    }


def _run(anchors, district, started_by):
    run = ComplianceRun.objects.create(
        trigger="api",
        started_by=started_by,
        date_from=SCHOOL_DAY,
        date_to=SCHOOL_DAY,
        district_codes=[district.code],
        scope_district=district,
        state="done",
    )
    return _register(anchors, run, district=district)


def _register_notifications(anchors):
    """A notification is its recipient's alone: the anchor is the recipient's own scope (complaints notify their
    district's staff as the world is built; school A's staff has one more)."""
    for n in Notification.objects.select_related("recipient__profile"):
        profile = n.recipient.profile
        _register(
            anchors,
            n,
            district=profile.district if profile.role == "district" else None,
            school=profile.school if profile.role == "school" else None,
            institution=profile.institution if profile.role == "institution" else None,
        )


def _inspection(anchors, school, actor, *, name):
    """An inspection of the school with a photo and one violation, whose case finding the school sees too."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    inspection = inspection_record(
        actor=actor,
        date=SCHOOL_DAY,
        district=school.district,
        school=school,
        place=f"{name}校教学楼",
        inspectors="张明、李华",
        kind="special",
        items=[
            {"rule_id": "SC-20-RANKING", "result": "violation", "note": f"{name}校公告栏张贴考试排名"},
            {"rule_id": "SC-20-HOLIDAY", "result": "compliant"},
        ],
        photos=[SimpleUploadedFile("board.png", png_bytes(), content_type="image/png")],
    )
    reg = lambda obj: _register(anchors, obj, district=school.district, school=school)  # noqa: E731
    reg(inspection)
    photo = reg(inspection.photos.get())
    for item in inspection.items.all():
        reg(item)
        if item.finding_id:
            reg(item.finding)
    return {"inspection": inspection, "inspection_photo": photo}


def build_world() -> World:
    """Create the world (call inside a transaction that the caller rolls back)."""
    anchors: dict = {}
    d1, d2 = f.district("110101"), f.district("110102")
    school_a = f.SchoolFactory(district=d1, name="东城区测试小学A")
    school_b = f.SchoolFactory(district=d2, name="西城区测试小学B")
    institution = f.InstitutionFactory(district=d1, name="东城测试培训学校")
    institution_b = f.InstitutionFactory(district=d2, name="西城测试培训学校")
    # non-subject: a district may select it as an after-school provider
    other_institution = f.InstitutionFactory(
        district=d1, name="东城另一家培训学校", category="non_subject", domain="arts"
    )
    for school in (school_a, school_b):
        _register(anchors, school, district=school.district, school=school)
    for inst in (institution, institution_b, other_institution):
        _register(anchors, inst, district=inst.district, institution=inst)
    # a district is seen by its staff, its schools' staff and its institutions' staff
    anchors[(d1._meta.label, d1.pk)] = frozenset(
        {
            ("district", d1.pk),
            ("school", school_a.pk),
            ("institution", institution.pk),
            ("institution", other_institution.pk),
        }
    )
    anchors[(d2._meta.label, d2.pk)] = frozenset(
        {("district", d2.pk), ("school", school_b.pk), ("institution", institution_b.pk)}
    )

    users = {
        "city": f.user_with_role("city", username="sec-city"),
        "district1": f.user_with_role("district", username="sec-district1", district=d1),
        "district2": f.user_with_role("district", username="sec-district2", district=d2),
        "school_a": f.user_with_role("school", username="sec-school-a", school=school_a, district=d1),
        "school_b": f.user_with_role("school", username="sec-school-b", school=school_b, district=d2),
        "institution": f.user_with_role("institution", username="sec-inst", institution=institution),
    }
    tokens = {role: f.api_token(user) for role, user in users.items()}
    # an account is administered (its password reset) by the staff of its district, and by city staff
    for role, district in (
        ("district1", d1),
        ("district2", d2),
        ("school_a", d1),
        ("school_b", d2),
        ("institution", d1),
        ("city", None),
    ):
        anchors[(users[role]._meta.label, users[role].pk)] = frozenset({("district", district.pk)} if district else ())

    term = Term.objects.get(academic_year=2026, name="autumn", district__isnull=True)
    # the city's calendar rows: only city staff keep them (no scope sees them as its own)
    _register(anchors, term)
    for vacation in Vacation.objects.filter(district__isnull=True):
        _register(anchors, vacation)
    sides = []
    for district, school, inst, name, district_user in (
        (d1, school_a, institution, "A", users["district1"]),
        (d2, school_b, institution_b, "B", users["district2"]),
    ):
        side = Side(district=district, school=school, institution=inst)
        side.objects.update(_institution_records(anchors, inst, district_user))
        side.objects.update(_school_records(anchors, school, name=name))
        programme = _register(
            anchors,
            Programme.objects.create(school=school, term=term, extended_care=True),
            district=district,
            school=school,
        )
        side.objects["programme"] = programme
        # the activity is provided by the side's institution: that institution may see it too
        side.objects["activity"] = _register(
            anchors,
            Activity.objects.create(
                programme=programme, name=f"{name}校足球", kind="pe", provider_kind="institution", institution=inst
            ),
            district=district,
            school=school,
            institution=inst,
        )
        # a district's selection of an institution: district staff, the institution, and the district's schools
        selection = ProviderSelection.objects.create(
            district=district, institution=inst, selected_on=dt.date(2026, 8, 20), valid_until=dt.date(2027, 8, 31)
        )
        side.objects["provider_selection"] = _register(
            anchors, selection, district=district, school=school, institution=inst
        )
        side.objects["finding"] = _finding(
            anchors, "HW-5-G36", district, school=school, summary=f"{name}校四年级作业超时"
        )
        side.objects["finding_institution"] = _finding(
            anchors, "TI-15-PREPAY", district, institution=inst, summary=f"{name}机构预收费超期"
        )
        side.objects.update(_notices(anchors, district, school, name=name))
        side.objects["run"] = _run(anchors, district, district_user)
        side.objects.update(_monthly_reports(anchors, district, district_user, users["city"]))
        side.objects.update(_inspection(anchors, school, district_user, name=name))
        complaint, secret, photo = _complaint(anchors, district, text=f"{name}区某小区培训班")
        side.objects.update(complaint=complaint, complaint_secret=secret, photo=photo)
        side.objects.update(_funds(anchors, district, inst, name))
        sides.append(side)

    other_objects = _institution_records(anchors, other_institution, users["district1"])
    sides[0].objects["notification"] = notify_school(
        school_a,
        kind="notice_received",
        title="整改通知（测试）",
        url=f"/compliance/findings/{sides[0]['finding'].pk}/",
    )[0]
    sides[1].objects["notification"] = notify_school(
        school_b,
        kind="notice_received",
        title="整改通知（测试）",
        url=f"/compliance/findings/{sides[1]['finding'].pk}/",
    )[0]
    _register_notifications(anchors)
    audit_event = audit_record(actor=users["city"], action="update", obj=institution, detail={"fields": ["name"]})
    a, b = sides
    return World(
        users=users,
        tokens=tokens,
        a=a,
        b=b,
        other_institution=other_institution,
        other_objects=other_objects,
        tracking_code=a["complaint"].tracking_code,
        secret=a["complaint_secret"],
        audit_event=audit_event,
        term=term,
        anchors=anchors,
    )
