"""The permission matrix: every URL pattern × method × role, with the answer each role must get.

The patterns come from the URL configuration itself (``get_resolver()``), so a new page or endpoint fails
``test_matrix`` until its row is declared in ``EXPECT`` below. Skipped prefixes, each with its reason, are in
``tests/security/matrix.py`` (``SKIPPED_PREFIXES``).

Detail URLs are filled with objects of school A, district 1 (110101) and the institution (see
``tests/security/world.py``). Besides the declared answer, every request checks that

- a role outside the object's scope gets exactly what it gets for an object that does not exist (so neither
  403 nor anything else tells it the object is there), and never a success;
- a refused write (4xx, or a redirect to the login page) changed nothing: the object, or the number of rows
  for a create, is the same afterwards;
- a list answer (API JSON rows, or links on a page) holds nothing of another district, school or institution.

Answers: a status code, or ``LOGIN`` (302 to the login page). Columns, in order:
anonymous, parent (a complaint's tracking code and secret, no account), school A staff, school B staff,
institution staff, district 1 staff, district 2 staff, city staff.

Anonymous API calls are 403, not 401: session authentication comes first in DRF's list and sends no
``WWW-Authenticate`` challenge. Each request runs in a savepoint that is rolled back, so a successful write
by one role never changes what the next role meets.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import Resolver404, resolve

from afterschool.models import DailyReport, Programme
from complaints.models import Complaint
from compliance.models import ComplianceRun, RuleParameter
from homework.models import CompletionSurvey, HomeworkDay, HomeworkItem
from homework.selectors import share_token
from inspections.models import Inspection
from institutions.forms import RECORD_KINDS
from institutions.models import Course, Institution, Session
from notifications.models import Notification
from periods.models import Correction, DayVersion
from schools.models import District, School, SchoolClass, StatutoryYear
from tests import clock
from tests import factories as f

from . import matrix as m
from .world import ROLES, SCHOOL_DAY, STAFF_ROLES, World

LOGIN = "login"
NEXT_DAY = SCHOOL_DAY + dt.timedelta(days=1)  # a school day the world has no filing for
CLOSED_DAY = SCHOOL_DAY - dt.timedelta(days=1)  # closed at the matrix's clock (NEXT_DAY noon)
MISSING_ID = 2_000_000_000


def E(anonymous, parent, school_a, school_b, institution, district1, district2, city):
    return dict(zip(ROLES, (anonymous, parent, school_a, school_b, institution, district1, district2, city)))


# ===========================================================================================================
# The objects each pattern is filled with, and what a write may change
# ===========================================================================================================


@dataclass
class Fill:
    """How to fill a pattern: its URL arguments, the argument naming the object (replaced by one that does
    not exist for the no-leak comparison; None when the pattern names no scoped object), and the target a
    refused write must leave unchanged (a model instance, or a model class whose row count must not grow)."""

    kwargs: object = field(default_factory=dict)
    target: object = None
    object_arg: str | None = None

    def args(self, world):
        return self.kwargs(world) if callable(self.kwargs) else dict(self.kwargs)

    def target_of(self, world):
        if callable(self.target) and not isinstance(self.target, type):
            return self.target(world)
        return self.target


def obj(side, key, arg="pk"):
    """Fill ``arg`` with one of district 1's objects, and take it as the target."""
    return Fill(
        kwargs=lambda w: {arg: getattr(w, side)[key].pk}, target=lambda w: getattr(w, side)[key], object_arg=arg
    )


def count(model):
    return Fill(target=model)


def _missing_value(arg):
    return {
        "code": "119999",
        "credit_code": f.credit_code(9_999_999),
        "token": share_token(SchoolClass(pk=MISSING_ID)),
    }.get(arg, MISSING_ID)


FILLS = {
    # --- API: registry of schools
    "api:district-list": count(District),
    "api:district-detail": Fill(
        kwargs=lambda w: {"code": w.a.district.code}, target=lambda w: w.a.district, object_arg="code"
    ),
    "api:school-list": count(School),
    "api:school-detail": Fill(kwargs=lambda w: {"pk": w.a.school.pk}, target=lambda w: w.a.school, object_arg="pk"),
    "api:class-list": count(SchoolClass),
    "api:class-detail": obj("a", "class"),
    # --- API: institutions
    "api:public-institution-search": Fill(),
    "api:public-institution-detail": Fill(kwargs=lambda w: {"credit_code": w.a.institution.credit_code}),
    "api:institution-site-list": count(apps.get_model("institutions", "Site")),
    "api:institution-site-detail": obj("a", "site"),
    "api:institution-trainer-list": count(apps.get_model("institutions", "Trainer")),
    "api:institution-trainer-detail": obj("a", "trainer"),
    "api:institution-foreign-staff-list": count(apps.get_model("institutions", "ForeignStaff")),
    "api:institution-foreign-staff-detail": obj("a", "foreign_staff"),
    "api:institution-course-list": count(Course),
    "api:institution-course-detail": obj("a", "course"),
    "api:institution-session-list": count(Session),
    "api:institution-session-import-file": count(Session),
    "api:institution-session-detail": obj("a", "session"),
    "api:institution-filing-list": count(apps.get_model("institutions", "EnrolmentFiling")),
    "api:institution-filing-detail": obj("a", "filing"),
    "api:institution-prepayment-list": count(apps.get_model("institutions", "Prepayment")),
    "api:institution-prepayment-detail": obj("a", "prepayment"),
    "api:institution-disclosure-list": count(apps.get_model("institutions", "Disclosure")),
    "api:institution-disclosure-detail": obj("a", "disclosure"),
    "api:institution-list-change-list": count(apps.get_model("institutions", "ListStatusChange")),
    "api:institution-list-change-detail": obj("a", "list_change"),
    "api:institution-list": count(Institution),
    "api:institution-import-file": count(Institution),
    "api:institution-detail": Fill(
        kwargs=lambda w: {"pk": w.a.institution.pk}, target=lambda w: w.a.institution, object_arg="pk"
    ),
    # --- API: filing periods
    "api:periods-correction-list": count(Correction),
    "api:periods-correction-detail": obj("a", "correction"),
    "api:periods-correction-approve": obj("a", "correction"),
    "api:periods-correction-reject": obj("a", "correction"),
    "api:periods-version-list": count(DayVersion),
    "api:periods-version-detail": obj("a", "day_version"),
    # --- API: homework
    "api:homework-survey-list": count(CompletionSurvey),
    "api:homework-survey-detail": obj("a", "survey"),
    "api:homework-day-list": count(HomeworkDay),
    "api:homework-day-detail": obj("a", "homework_day"),
    "api:homework-list": count(HomeworkItem),
    "api:homework-detail": obj("a", "homework"),
    # --- API: after-school service
    "api:afterschool-report-list": count(DailyReport),
    "api:afterschool-report-detail": obj("a", "report"),
    "api:afterschool-programme-list": count(Programme),
    "api:afterschool-programme-detail": obj("a", "programme"),
    "api:afterschool-activity-list": count(apps.get_model("afterschool", "Activity")),
    "api:afterschool-activity-detail": obj("a", "activity"),
    "api:afterschool-provider-selection-list": count(apps.get_model("afterschool", "ProviderSelection")),
    "api:afterschool-provider-selection-detail": obj("a", "provider_selection"),
    # --- API: complaints
    "api:complaint-track": Fill(target=lambda w: w.a["complaint"]),
    "api:complaint-reopen": Fill(target=lambda w: w.a["complaint"]),
    "api:complaint-target-institutions": Fill(),
    "api:complaint-target-schools": Fill(),
    "api:complaint-list": count(Complaint),
    "api:complaint-detail": obj("a", "complaint"),
    "api:complaint-contact": obj("a", "complaint"),
    "api:complaint-match-teacher": obj("a", "complaint"),
    "api:complaint-reroute": obj("a", "complaint"),
    "api:complaint-transition": obj("a", "complaint"),
    # --- API: compliance
    "api:api-root": Fill(),
    "api:compliance-rule-list": Fill(),
    "api:compliance-rule-detail": Fill(kwargs={"pk": "HW-5-G36"}),
    "api:compliance-parameter-list": count(RuleParameter),
    "api:compliance-parameter-detail": Fill(kwargs=lambda w: {"pk": RuleParameter.objects.order_by("pk")[0].pk}),
    "api:compliance-run-list": count(ComplianceRun),
    "api:compliance-run-detail": obj("a", "run"),
    "api:compliance-finding-list": count(apps.get_model("compliance", "Finding")),
    "api:compliance-finding-detail": obj("a", "finding"),
    "api:compliance-notice-list": count(apps.get_model("compliance", "RectificationNotice")),
    "api:compliance-notice-detail": obj("a", "notice"),
    "api:compliance-notice-report": obj("a", "notice"),
    "api:compliance-notice-review": obj("a", "notice_submitted"),
    # --- API: notifications (school A staff's notification)
    "api:notification-list": count(Notification),
    "api:notification-detail": obj("a", "notification"),
    "api:notification-read": obj("a", "notification"),
    "api:notification-read-all": Fill(),
    # --- API: inspections
    "api:inspection-list": count(Inspection),
    "api:inspection-detail": obj("a", "inspection"),
    # --- API: dashboards, audit, tokens
    "api:dashboard-city": Fill(),
    "api:dashboard-district": Fill(
        kwargs=lambda w: {"code": w.a.district.code}, object_arg="code", target=lambda w: w.a.district
    ),
    "api:dashboard-district-schools": Fill(
        kwargs=lambda w: {"code": w.a.district.code}, object_arg="code", target=lambda w: w.a.district
    ),
    "api:dashboard-school": Fill(kwargs=lambda w: {"pk": w.a.school.pk}, object_arg="pk", target=lambda w: w.a.school),
    "api:dashboard-report-list": count(apps.get_model("dashboards", "MonthlyReport")),
    "api:dashboard-report-detail": obj("a", "report_draft"),
    "api:dashboard-report-refresh": obj("a", "report_draft"),
    "api:dashboard-report-submit": obj("a", "report_draft"),
    "api:dashboard-report-accept": obj("a", "report_submitted"),
    "api:dashboard-report-return": obj("a", "report_submitted"),
    "api:dashboard-report-reopen": obj("a", "report_accepted"),
    "api:audit-list": Fill(),
    "api:audit-detail": Fill(kwargs=lambda w: {"pk": w.audit_event.pk}),
    "api-token": Fill(),
    "healthz": Fill(),
    # --- pages: accounts
    "home": Fill(),
    "login": Fill(),
    "logout": Fill(),
    "audit": Fill(),
    "password-change": Fill(),
    "users": Fill(),
    "user-password-reset": Fill(
        kwargs=lambda w: {"pk": w.users["school_a"].pk}, target=lambda w: w.users["school_a"], object_arg="pk"
    ),
    # --- pages: institutions
    "institutions:list": Fill(),
    "institutions:create": count(Institution),
    "institutions:mine": Fill(target=lambda w: w.a.institution),
    "institutions:import": count(Institution),
    "institutions:import-template": Fill(),
    "institutions:schedule-import": count(Session),
    "institutions:schedule-template": Fill(),
    "institutions:export": Fill(),
    "institutions:detail": Fill(
        kwargs=lambda w: {"pk": w.a.institution.pk}, target=lambda w: w.a.institution, object_arg="pk"
    ),
    "institutions:edit": Fill(
        kwargs=lambda w: {"pk": w.a.institution.pk}, target=lambda w: w.a.institution, object_arg="pk"
    ),
    "institutions:list-status": Fill(
        kwargs=lambda w: {"pk": w.a.institution.pk}, target=lambda w: w.a.institution, object_arg="pk"
    ),
    "institutions:record-add": Fill(
        kwargs=lambda w: {"institution_pk": w.a.institution.pk, "kind": "courses"},
        target=Course,
        object_arg="institution_pk",
    ),
    "institutions:record-edit": Fill(
        kwargs=lambda w: {"kind": "courses", "pk": w.a["course"].pk}, target=lambda w: w.a["course"], object_arg="pk"
    ),
    "institutions:lookup": Fill(),
    "institutions:lookup-detail": Fill(kwargs=lambda w: {"credit_code": w.a.institution.credit_code}),
    # --- pages: filing periods
    "periods:list": count(Correction),
    "periods:new": count(Correction),
    "periods:detail": obj("a", "correction"),
    # --- pages: homework
    "homework:file": count(HomeworkDay),
    "homework:upload": count(HomeworkItem),
    "homework:template": Fill(),
    "homework:publication": Fill(
        kwargs=lambda w: {"class_id": w.a["class"].pk, "date": SCHOOL_DAY.isoformat()},
        target=lambda w: w.a["class"],
        object_arg="class_id",
    ),
    "homework:public": Fill(kwargs=lambda w: {"token": share_token(w.a["class"])}),
    "homework:public-day": Fill(kwargs=lambda w: {"token": share_token(w.a["class"]), "date": SCHOOL_DAY.isoformat()}),
    # --- pages: after-school service
    "afterschool:report": count(DailyReport),
    "afterschool:programme": Fill(target=lambda w: w.a["programme"]),
    # --- pages: complaints
    "complaints:submit": count(Complaint),
    "complaints:track": Fill(target=lambda w: w.a["complaint"]),
    # the confirmation is only for the browser that filed the complaint (its session): 404 for everyone else
    "complaints:submitted": Fill(kwargs=lambda w: {"tracking_code": w.a["complaint"].tracking_code}),
    "complaints:inbox": Fill(),
    "complaints:staff-new": count(Complaint),
    "complaints:detail": obj("a", "complaint"),
    "complaints:transition": obj("a", "complaint"),
    "complaints:reroute": obj("a", "complaint"),
    "complaints:assign": obj("a", "complaint"),
    "complaints:match-teacher": obj("a", "complaint"),
    "complaints:contact": obj("a", "complaint"),
    "complaints:photo": Fill(
        kwargs=lambda w: {"pk": w.a["complaint"].pk, "photo_id": w.a["photo"].pk},
        target=lambda w: w.a["complaint"],
        object_arg="pk",
    ),
    # --- pages: compliance
    "compliance:findings": Fill(),
    "compliance:finding": obj("a", "finding"),
    "compliance:findings-bulk-status": Fill(target=lambda w: w.a["finding"]),
    "compliance:findings-export": Fill(),
    "compliance:runs": count(ComplianceRun),
    "compliance:run": obj("a", "run"),
    "compliance:notices": count(apps.get_model("compliance", "RectificationNotice")),
    "compliance:notice-new": count(apps.get_model("compliance", "RectificationNotice")),
    "compliance:notice": obj("a", "notice"),
    "compliance:notice-report": obj("a", "notice"),
    "compliance:notice-review": obj("a", "notice_submitted"),
    "compliance:attachment": obj("a", "attachment"),
    # --- pages: schools
    "schools:statutory-years": count(StatutoryYear),
    "schools:terms": count(apps.get_model("schools", "Term")),
    "schools:term": Fill(kwargs=lambda w: {"pk": w.term.pk}, target=lambda w: w.term),
    "schools:vacations": count(apps.get_model("schools", "Vacation")),
    "schools:vacation": Fill(
        kwargs=lambda w: {"pk": apps.get_model("schools", "Vacation").objects.filter(district__isnull=True).first().pk},
        target=lambda w: apps.get_model("schools", "Vacation").objects.filter(district__isnull=True).first(),
    ),
    "schools:overrides": Fill(),
    "schools:month": Fill(),
    "compliance:parameters": count(RuleParameter),
    "compliance:parameter": Fill(kwargs={"key": "hw_max_minutes_g36"}, target=RuleParameter),
    # --- pages: notifications
    "notifications:inbox": Fill(),
    "notifications:read": obj("a", "notification"),
    "notifications:read-all": Fill(),
    "notifications:settings": Fill(),
    # --- pages: inspections
    "inspections:list": Fill(),
    "inspections:new": count(Inspection),
    "inspections:detail": obj("a", "inspection"),
    "inspections:photo": Fill(
        kwargs=lambda w: {"pk": w.a["inspection"].pk, "photo_id": w.a["inspection_photo"].pk},
        target=lambda w: w.a["inspection"],
        object_arg="pk",
    ),
    # --- pages: dashboards
    "dashboards:district-home": Fill(),
    "dashboards:city": Fill(),
    "dashboards:city-xlsx": Fill(),
    "dashboards:district": Fill(
        kwargs=lambda w: {"code": w.a.district.code}, object_arg="code", target=lambda w: w.a.district
    ),
    "dashboards:district-xlsx": Fill(
        kwargs=lambda w: {"code": w.a.district.code}, object_arg="code", target=lambda w: w.a.district
    ),
    "dashboards:school": Fill(kwargs=lambda w: {"pk": w.a.school.pk}, object_arg="pk", target=lambda w: w.a.school),
    "dashboards:school-xlsx": Fill(
        kwargs=lambda w: {"pk": w.a.school.pk}, object_arg="pk", target=lambda w: w.a.school
    ),
    "dashboards:findings-xlsx": Fill(),
    "dashboards:reports": count(apps.get_model("dashboards", "MonthlyReport")),
    "dashboards:report": obj("a", "report_draft"),
    "dashboards:report-xlsx": obj("a", "report_draft"),
    # --- API and pages: prepaid funds
    "api:funds-bank-statement-post": count(apps.get_model("funds", "StatementLine")),
    "api:funds-account-list": count(apps.get_model("funds", "SupervisedAccount")),
    "api:funds-account-detail": obj("a", "account"),
    "api:funds-statement-list": count(apps.get_model("funds", "BankStatement")),
    "api:funds-statement-detail": obj("a", "statement"),
    "api:funds-refund-list": count(apps.get_model("funds", "RefundRequest")),
    "api:funds-refund-detail": obj("a", "refund"),
    "funds:overview": Fill(),
    "funds:accounts": Fill(),
    "funds:account-register": count(apps.get_model("funds", "SupervisedAccount")),
    "funds:statement-import": count(apps.get_model("funds", "StatementLine")),
    "funds:statement-template": Fill(),
    "funds:attendance": Fill(
        kwargs=lambda w: {"session_pk": w.a["session"].pk}, target=lambda w: w.a["session"], object_arg="session_pk"
    ),
    "funds:refunds": Fill(),
    "funds:refund-detail": obj("a", "refund"),
    "funds:refund-escalate": obj("a", "refund"),
    "funds:refund-request": count(apps.get_model("funds", "RefundRequest")),
    "funds:refund-track": Fill(target=lambda w: w.a["refund"]),
}

# Patterns whose object is public on purpose: the no-leak comparison does not apply (anyone may see them).
PUBLIC_OBJECTS = {
    "api:public-institution-detail": "the public look-up card of a licensed institution",
    "institutions:lookup-detail": "the public look-up page of a licensed institution",
    "homework:public": "the class's share link for parents: the signed token is the permission",
    "homework:public-day": "the class's share link for parents: the signed token is the permission",
    "api:compliance-rule-detail": "the rule catalogue is policy, the same for everyone with an account",
    "api:compliance-parameter-detail": "parameters are policy, the same for every staff role",
}

# ===========================================================================================================
# What each request carries
# ===========================================================================================================

J = m.Payload  # JSON body (the API)


def Form(data=None, query=""):
    return m.Payload(data=data, form=True, query=query)


def Q(query):
    return m.Payload(query=query)


def _csv(name, header, rows):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = "\n".join(",".join(str(c) for c in line) for line in [header, *rows]) + "\n"
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def _session_csv(w):
    course, site = w.a["course"], w.a["site"]
    return _csv(
        "sessions.csv",
        ["course", "site", "starts_at", "ends_at", "mode"],
        [[course.pk, site.pk, "2026-11-21 09:00", "2026-11-21 09:45", "线下"]],
    )


def _registry_csv(w):
    return _csv(
        "registry.csv",
        [
            "credit_code",
            "name",
            "district",
            "category",
            "domain",
            "audience",
            "mode",
            "nonprofit",
            "licence_no",
            "licence_status",
            "approved_on",
            "reapproved_on",
            "icp_no",
            "listed",
            "capital_raised",
            "foreign_controlled",
            "list_status",
        ],
        [
            [
                f.credit_code(8_888_881),
                "导入测试培训学校",
                "110101",
                "非学科类",
                "文化艺术",
                "义务教育",
                "线下",
                "是",
                "教民110101088888号",
                "有效",
                "2024-03-01",
                "",
                "",
                "否",
                "否",
                "否",
                "未列入",
            ]
        ],
    )


def _track(w, role):
    """The parent holds the complaint's tracking code and secret; anyone else can only guess the secret."""
    secret = w.secret if role == "parent" else "not-the-secret-0000"
    return {"tracking_code": w.tracking_code, "secret": secret}


def _institution_form(w, **over):
    data = {
        "name": "表单新登记培训学校",
        "credit_code": f.credit_code(8_888_882),
        "district": w.a.district.pk,
        "category": "non_subject",
        "domain": "arts",
        "audience": ["compulsory"],
        "mode": "offline",
        "nonprofit": "on",
        "licence_no": "教民110101099999号",
        "licence_status": "valid",
        "approved_on": "2024-03-01",
    }
    data.update(over)
    return data


def _course_form(w, **over):
    data = {
        "name": "表单新课程",
        "subject": "music",
        "content_grade": 4,
        "min_grade": 4,
        "max_grade": 4,
        "mode": "offline",
        "class_size": 12,
        "lesson_minutes": 45,
        "price_per_lesson": "50.00",
        "disclosed": "on",
    }
    data.update(over)
    return data


def _complaint_form(w, **over):
    data = {
        "target_kind": "other",
        "target_text": "小区里的培训班",
        "district": w.a.district.pk,
        "category": "unlicensed",
        "description": "周末有人在小区里办补习班。",
        "occurred_on": SCHOOL_DAY.isoformat(),
    }
    data.update(over)
    return data


def _refund_track(w, role):
    """The parent holds the refund request's tracking code and secret; anyone else can only guess the secret."""
    secret = w.a["refund_secret"] if role == "parent" else "not-the-secret-0000"
    return {"tracking_code": w.a["refund"].tracking_code, "secret": secret}


def _statement_csv(w):
    paid = w.a["spare_prepayment"]
    return _csv(
        "statement.csv",
        ["account_no", "statement_date", "closing_balance", "txn_id", "kind", "value_date", "amount", "reference"],
        [
            [
                w.a["account"].account_no,
                "2026-11-11",
                "6000.00",
                "T-MATRIX-1",
                "存入",
                "2026-11-11",
                "3000.00",
                paid.receipt_no,
            ]
        ],
    )


def _bank_statement(w, role):
    return {
        "account_no": w.a["account"].account_no,
        "statement_date": "2026-11-11",
        "closing_balance": "6000.00",
        "lines": [
            {
                "txn_id": "T-MATRIX-2",
                "kind": "deposit",
                "value_date": "2026-11-11",
                "amount": "3000.00",
                "reference": w.a["spare_prepayment"].receipt_no,
            }
        ],
    }


PAYLOADS = {
    # --- funds
    ("api:funds-bank-statement-post", "POST"): J(_bank_statement),
    ("funds:account-register", "POST"): Form(
        lambda w, r: {
            "institution": w.a.institution.pk,
            "bank": w.a["bank"].pk,
            "account_no": "6222MATRIX0001",
            "agreement_no": "JG-MATRIX",
            "agreement_signed_on": "2026-11-20",
            "opened_on": "2026-12-01",
        }
    ),
    ("funds:statement-import", "POST"): Form(lambda w, r: {"file": _statement_csv(w)}),
    ("funds:attendance", "POST"): Form(lambda w, r: {"prepayments": [w.a["prepayment"].pk]}),
    ("funds:refund-detail", "POST"): Form({"decision": "accept", "amount": "1000.00"}),
    ("funds:refund-request", "POST"): Form(
        lambda w, r: {
            "institution": w.a.institution.credit_code,
            "receipt_no": w.a["spare_prepayment"].receipt_no,
            "contact_phone": "13700000000",
        }
    ),
    ("funds:refund-track", "POST"): Form(_refund_track),
    # --- schools
    ("api:school-list", "POST"): J(
        lambda w, r: {"district": "110101", "name": "新建测试小学", "code": "T900000001", "stage": "primary"}
    ),
    ("api:school-detail", "PATCH"): J({"name": "改名测试小学"}),
    ("api:class-list", "POST"): J(
        lambda w, r: {
            "school": w.a.school.pk,
            "academic_year": 2026,
            "grade": 3,
            "name": "新建三年级1班",
            "headcount": 30,
        }
    ),
    ("api:class-detail", "PATCH"): J({"headcount": 41}),
    # --- institutions
    ("api:public-institution-search", "GET"): Q("q=东城测试"),
    ("api:institution-site-list", "POST"): J(
        lambda w, r: {
            "institution": w.a.institution.pk,
            "address": "北京市东城区新址路1号",
            "approved": True,
            "approved_on": "2026-01-05",
        }
    ),
    ("api:institution-site-detail", "PATCH"): J({"address": "北京市东城区改址路2号"}),
    ("api:institution-trainer-list", "POST"): J(
        lambda w, r: {"institution": w.a.institution.pk, "name": "新教师", "certificate_no": "20201100000099999"}
    ),
    ("api:institution-trainer-detail", "PATCH"): J({"classes_taught": "五年级书法班"}),
    ("api:institution-foreign-staff-list", "POST"): J(
        lambda w, r: {"institution": w.a.institution.pk, "name": "Jane Roe", "work_permit_no": "WP99990001"}
    ),
    ("api:institution-foreign-staff-detail", "PATCH"): J({"in_china": False}),
    ("api:institution-course-list", "POST"): J(
        lambda w, r: {
            "institution": w.a.institution.pk,
            "name": "新课程",
            "subject": "music",
            "content_grade": 4,
            "min_grade": 4,
            "max_grade": 4,
            "mode": "offline",
            "class_size": 10,
            "lesson_minutes": 45,
            "price_per_lesson": "50.00",
        }
    ),
    ("api:institution-course-detail", "PATCH"): J({"class_size": 12}),
    ("api:institution-session-list", "POST"): J(
        lambda w, r: {
            "course": w.a["course"].pk,
            "site": w.a["site"].pk,
            "starts_at": "2026-11-21T09:00:00+08:00",
            "ends_at": "2026-11-21T09:45:00+08:00",
            "mode": "offline",
        }
    ),
    ("api:institution-session-import-file", "POST"): Form(lambda w, r: {"file": _session_csv(w)}),
    ("api:institution-session-detail", "PATCH"): J({"ends_at": "2026-11-14T09:40:00+08:00"}),
    ("api:institution-filing-list", "POST"): J(
        lambda w, r: {"course": w.a["course"].pk, "filed_on": "2026-10-01", "enrolment_opens_on": "2026-10-10"}
    ),
    ("api:institution-filing-detail", "PATCH"): J({"fees": "每课时55元"}),
    ("api:institution-prepayment-list", "POST"): J(
        lambda w, r: {
            "course": w.a["course"].pk,
            "paid_on": "2026-11-01",
            "amount": "1200.00",
            "class_hours": 20,
            "months": 2,
            "account": "监管账户 0200001",
            "supervised": True,
        }
    ),
    ("api:institution-prepayment-detail", "PATCH"): J({"months": 2}),
    ("api:institution-disclosure-list", "POST"): J(
        lambda w, r: {
            "institution": w.a.institution.pk,
            "item": "licence",
            "published": True,
            "content": "许可证见大厅",
        }
    ),
    ("api:institution-disclosure-detail", "PATCH"): J({"content": "每课时65元"}),
    ("api:institution-list", "POST"): J(
        lambda w, r: {
            "name": "接口新登记培训学校",
            "credit_code": f.credit_code(8_888_883),
            "district": "110101",
            "category": "non_subject",
            "domain": "arts",
            "audience": ["compulsory"],
            "mode": "offline",
            "nonprofit": False,
            "licence_status": "valid",
            "approved_on": "2023-04-01",
        }
    ),
    ("api:institution-import-file", "POST"): Form(lambda w, r: {"file": _registry_csv(w)}),
    ("api:institution-detail", "PATCH"): J({"name": "改名培训学校"}),
    # --- filing periods: a correction of a day closed at the matrix's clock (NEXT_DAY noon: the Monday before
    # SCHOOL_DAY closed at 20:00 on SCHOOL_DAY)
    ("api:periods-correction-list", "POST"): J(
        lambda w, r: {
            "date": CLOSED_DAY.isoformat(),
            "school_classes": [w.a["class"].pk],
            "reason": "漏填作业",
            "items": [],
        }
    ),
    ("api:periods-correction-approve", "POST"): J({"reason": "同意"}),
    ("api:periods-correction-reject", "POST"): J({"reason": "依据不足"}),
    ("periods:new", "POST"): Form(
        lambda w, r: {
            "date": CLOSED_DAY.isoformat(),
            "school_classes": [w.a["class"].pk],
            "reason": "漏填作业",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
        }
    ),
    ("periods:detail", "POST"): Form({"decision": "reject", "reason": "依据不足"}),
    # --- homework
    ("api:homework-survey-list", "POST"): J(
        lambda w, r: {
            "school_class": w.a["class"].pk,
            "date": SCHOOL_DAY.isoformat(),
            "subject": "maths",
            "kind": "written",
            "measured_minutes": 20,
            "sample_size": 5,
        }
    ),
    ("api:homework-day-list", "POST"): J(lambda w, r: {"school_class": w.a["class"].pk, "date": NEXT_DAY.isoformat()}),
    ("api:homework-list", "POST"): J(
        lambda w, r: {
            "school_class": w.a["class"].pk,
            "date": NEXT_DAY.isoformat(),
            "subject": "chinese",
            "kind": "written",
            "minutes": 20,
        }
    ),
    # --- after-school service
    ("api:afterschool-report-list", "POST"): J(
        lambda w, r: {
            "school": w.a.school.pk,
            "date": NEXT_DAY.isoformat(),
            "pe_minutes": 45,
            "stage1_minutes": 15,
            "end_time": "17:30",
            "enrolled": 300,
            "participants": 280,
            "new_lessons": False,
            "compulsory": False,
            "extended_care": True,
        }
    ),
    ("api:afterschool-programme-list", "POST"): J(
        lambda w, r: {"school": w.a.school.pk, "term": w.term.pk, "extended_care": False, "note": "重新填报"}
    ),
    ("api:afterschool-programme-detail", "PATCH"): J({"note": "周五增加托管"}),
    ("api:afterschool-activity-list", "POST"): J(
        lambda w, r: {
            "programme": w.a["programme"].pk,
            "name": "合唱团",
            "kind": "arts",
            "provider_kind": "school_teacher",
            "provider_name": "王老师",
        }
    ),
    ("api:afterschool-activity-detail", "PATCH"): J({"name": "校足球队"}),
    ("api:afterschool-provider-selection-list", "POST"): J(
        lambda w, r: {"district": "110101", "institution": w.other_institution.pk, "selected_on": "2026-09-01"}
    ),
    ("api:afterschool-provider-selection-detail", "PATCH"): J({"note": "续期一年"}),
    # --- complaints
    ("api:complaint-track", "POST"): J(_track),
    ("api:complaint-reopen", "POST"): J(lambda w, r: {**_track(w, r), "note": "请再核实"}),
    ("api:complaint-target-institutions", "GET"): Q("q=测试培训"),
    ("api:complaint-target-schools", "GET"): Q("q=测试小学"),
    ("api:complaint-list", "POST"): J(
        lambda w, r: {
            "target_kind": "other",
            "target_text": "小区里的培训班",
            "district": "110101",
            "category": "unlicensed",
            "description": "周末有人在小区里办补习班。",
            "occurred_on": SCHOOL_DAY.isoformat(),
        }
    ),
    ("api:complaint-match-teacher", "POST"): J(lambda w, r: {"teacher": w.a["teacher"].pk}),
    ("api:complaint-reroute", "POST"): J({"department": "sports", "reason": "属于体育类培训"}),
    ("api:complaint-transition", "POST"): J({"to_state": "accepted", "note": "已受理"}),
    # --- compliance
    ("api:compliance-parameter-list", "POST"): J(
        lambda w, r: {
            "key": RuleParameter.objects.order_by("pk")[0].key,
            "value": 60,
            "effective_from": "2027-09-01",
            "source": "测试文件",
        }
    ),
    ("api:compliance-run-list", "POST"): J(
        {"date_from": SCHOOL_DAY.isoformat(), "date_to": SCHOOL_DAY.isoformat(), "district_codes": ["110101"]}
    ),
    ("api:compliance-finding-list", "POST"): J(
        lambda w, r: {
            "rule_id": "SC-20-RANKING",
            "school": w.a.school.pk,
            "summary": "公布考试排名",
            "date": SCHOOL_DAY.isoformat(),
        }
    ),
    ("api:compliance-finding-detail", "PATCH"): J({"status": "rectifying", "reason": "正在整改"}),
    ("api:compliance-notice-list", "POST"): J(
        lambda w, r: {"finding_ids": [w.a["finding"].pk], "required_action": "整改"}
    ),
    ("api:compliance-notice-report", "POST"): J({"text": "已整改"}),
    ("api:compliance-notice-review", "POST"): J({"decision": "accepted"}),
    # --- monthly district reports: district 1 freezes November; the city returns and reopens with a reason
    ("api:dashboard-report-list", "POST"): J({"month": "2026-11"}),
    ("api:dashboard-report-return", "POST"): J({"reason": "投诉数与台账不符"}),
    ("api:dashboard-report-reopen", "POST"): J({"reason": "学校申请更正"}),
    ("dashboards:reports", "POST"): Form({"month": "2026-11"}),
    ("dashboards:report", "POST"): Form({"transition": "submit"}),
    # --- inspections: district 1's school, found ranking pupils
    ("api:inspection-list", "POST"): J(
        lambda w, r: {
            "date": SCHOOL_DAY.isoformat(),
            "district": "110101",
            "school": w.a.school.pk,
            "inspectors": "张明",
            "kind": "routine",
            "items": [{"rule_id": "SC-20-RANKING", "result": "violation", "note": "公布考试排名"}],
        }
    ),
    ("inspections:new", "POST"): Form(
        lambda w, r: {
            "district": "110101",
            "subject": f"school:{w.a.school.pk}",
            "date": SCHOOL_DAY.isoformat(),
            "inspectors": "张明",
            "kind": "routine",
            "result__SC-20-RANKING": "violation",
            "note__SC-20-RANKING": "公布考试排名",
            "save": "1",
        }
    ),
    # --- tokens: the credentials are the permission, so every caller is answered alike
    ("api-token", "POST"): J(lambda w, r: {"username": "sec-school-a", "password": f.TEST_PASSWORD}),
    # --- pages
    ("login", "POST"): Form({"username": "sec-school-a", "password": "wrong-password-1234"}),
    ("institutions:create", "POST"): Form(lambda w, r: _institution_form(w)),
    ("institutions:edit", "POST"): Form(
        lambda w, r: _institution_form(w, name="表单改名培训学校", credit_code=w.a.institution.credit_code)
    ),
    ("institutions:list-status", "POST"): Form(
        {"status": "black", "effective_on": "2026-11-01", "reason": "违规预收费"}
    ),
    ("institutions:record-add", "POST"): Form(lambda w, r: _course_form(w)),
    ("institutions:record-edit", "POST"): Form(lambda w, r: _course_form(w, name="表单改名课程")),
    ("institutions:import", "POST"): Form(lambda w, r: {"file": _registry_csv(w)}),
    ("institutions:schedule-import", "POST"): Form(lambda w, r: {"file": _session_csv(w)}),
    ("institutions:lookup", "GET"): Q("q=测试培训学校"),
    ("homework:file", "POST"): Form(
        lambda w, r: {
            "school_class": w.a["class"].pk,
            "date": NEXT_DAY.isoformat(),
            "no_homework": "on",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
        }
    ),
    ("afterschool:report", "POST"): Form(
        {
            "date": NEXT_DAY.isoformat(),
            "pe_minutes": 45,
            "stage1_minutes": 15,
            "end_time": "17:30",
            "enrolled": 300,
            "participants": 280,
            "extended_care": "on",
        }
    ),
    ("afterschool:programme", "POST"): Form({"action": "programme", "note": "表单修改说明", "extended_care": "on"}),
    ("complaints:submit", "POST"): Form(lambda w, r: _complaint_form(w)),
    ("complaints:track", "POST"): Form(_track),
    ("complaints:staff-new", "POST"): Form(lambda w, r: _complaint_form(w, channel="hotline_12345")),
    ("complaints:transition", "POST"): Form({"to_state": "accepted", "note": "已受理"}),
    ("complaints:reroute", "POST"): Form({"department": "sports", "reason": "属于体育类培训"}),
    ("complaints:assign", "POST"): Form(lambda w, r: {"assign-assignee": w.users["district1"].pk}),
    ("compliance:findings-bulk-status", "POST"): Form(
        lambda w, r: {"finding_ids": [w.a["finding"].pk], "status": "dismissed", "reason": "重复线索"}
    ),
    ("compliance:findings-export", "POST"): Form(lambda w, r: {"finding_ids": [w.a["finding"].pk]}),
    ("complaints:match-teacher", "POST"): Form(lambda w, r: {"teacher": w.a["teacher"].pk}),
    ("compliance:finding", "POST"): Form({"status": "rectifying", "reason": "正在整改"}),
    ("compliance:notice-new", "POST"): Form(
        lambda w, r: {"finding_ids": [w.a["finding"].pk], "required_action": "整改"}
    ),
    ("compliance:notice-report", "POST"): Form({"text": "已整改"}),
    ("compliance:notice-review", "POST"): Form({"decision": "accepted", "reason": ""}),
    ("compliance:runs", "POST"): Form(
        lambda w, r: {
            "date_from": SCHOOL_DAY.isoformat(),
            "date_to": SCHOOL_DAY.isoformat(),
            "district": w.a.district.code,
        }
    ),
    ("compliance:parameter", "POST"): Form(
        {"value": "55", "effective_from": "2090-01-01", "source": "京教基〔2090〕1号"}
    ),
    ("schools:terms", "POST"): Form(
        {"academic_year": 2090, "name": "autumn", "district": "", "starts_on": "2090-09-01", "ends_on": "2091-01-15"}
    ),
    ("schools:term", "POST"): Form(
        lambda w, r: {
            "academic_year": w.term.academic_year,
            "name": w.term.name,
            "district": "",
            "starts_on": w.term.starts_on.isoformat(),
            "ends_on": w.term.ends_on.isoformat(),
        }
    ),
    ("schools:vacations", "POST"): Form(
        {"academic_year": 2090, "kind": "winter", "district": "", "starts_on": "2091-01-20", "ends_on": "2091-02-20"}
    ),
    ("schools:statutory-years", "POST"): Form(
        lambda w, r: {
            "year": 2090,
            "source": "国务院办公厅关于2090年部分节假日安排的通知",
            "holidays": "2090-01-01 元旦",
            "makeup_days": "",
        }
    ),
}


def payload_for(name, method, world, role):
    payload = PAYLOADS.get((name, method))
    if payload is None:
        return m.Payload(form=not name.startswith("api"))
    data = payload.data
    return m.Payload(data=(lambda w: data(w, role)) if callable(data) else data, form=payload.form, query=payload.query)


# ===========================================================================================================
# The expected answers
# ===========================================================================================================

EXPECT: dict[str, dict[str, dict]] = {
    #                 anon parent  sch_A  sch_B   inst  dist1  dist2   city
    # the health check is public (load balancers); it answers any method
    "healthz": {
        "GET": E(200, 200, 200, 200, 200, 200, 200, 200),
        "POST": E(200, 200, 200, 200, 200, 200, 200, 200),
    },
    # --- API: schools. Anonymous API calls are 403 (see the module docstring)
    "api:district-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
    },
    "api:district-detail": {
        "GET": E(403, 403, 200, 404, 200, 200, 404, 200),
    },
    # writes by a role not in the viewset's write_roles are 403 whatever the object; a body naming another
    # district's school or district is a 400 (the school "does not exist", the district is "not yours")
    "api:school-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 403, 201, 400, 201),
    },
    # a school or class still referenced (classes, teachers, findings ...) is a 409, not deleted
    "api:school-detail": {
        "GET": E(403, 403, 200, 404, 404, 200, 404, 200),
        "PATCH": E(403, 403, 403, 403, 403, 200, 404, 200),
        "DELETE": E(403, 403, 403, 403, 403, 409, 404, 409),
    },
    "api:class-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 201, 400, 403, 201, 400, 201),
    },
    "api:class-detail": {
        "GET": E(403, 403, 200, 404, 404, 200, 404, 200),
        "PATCH": E(403, 403, 200, 404, 403, 200, 404, 200),
        "DELETE": E(403, 403, 409, 404, 403, 409, 404, 409),
    },
    # --- API: the public look-up, then the registry (its sub-records have no DELETE: CONTRACT_METHODS)
    "api:public-institution-search": {
        "GET": E(200, 200, 200, 200, 200, 200, 200, 200),
    },
    "api:public-institution-detail": {
        "GET": E(200, 200, 200, 200, 200, 200, 200, 200),
    },
    "api:institution-site-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 403, 201, 400, 201),
    },
    "api:institution-site-detail": {
        "GET": E(403, 403, 404, 404, 200, 200, 404, 200),
        "PATCH": E(403, 403, 403, 403, 403, 200, 404, 200),
    },
    "api:institution-trainer-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 201, 201, 400, 201),
    },
    "api:institution-trainer-detail": {
        "GET": E(403, 403, 404, 404, 200, 200, 404, 200),
        "PATCH": E(403, 403, 403, 403, 200, 200, 404, 200),
    },
    "api:institution-foreign-staff-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 201, 201, 400, 201),
    },
    "api:institution-foreign-staff-detail": {
        "GET": E(403, 403, 404, 404, 200, 200, 404, 200),
        "PATCH": E(403, 403, 403, 403, 200, 200, 404, 200),
    },
    "api:institution-course-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 201, 201, 400, 201),
    },
    "api:institution-course-detail": {
        "GET": E(403, 403, 404, 404, 200, 200, 404, 200),
        "PATCH": E(403, 403, 403, 403, 200, 200, 404, 200),
    },
    "api:institution-session-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 201, 201, 400, 201),
    },
    "api:institution-session-import-file": {
        "POST": E(403, 403, 403, 403, 201, 201, 400, 201),
    },
    "api:institution-session-detail": {
        "GET": E(403, 403, 404, 404, 200, 200, 404, 200),
        "PATCH": E(403, 403, 403, 403, 200, 200, 404, 200),
    },
    "api:institution-filing-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 403, 201, 400, 201),
    },
    "api:institution-filing-detail": {
        "GET": E(403, 403, 404, 404, 200, 200, 404, 200),
        "PATCH": E(403, 403, 403, 403, 403, 200, 404, 200),
    },
    "api:institution-prepayment-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 403, 201, 400, 201),
    },
    "api:institution-prepayment-detail": {
        "GET": E(403, 403, 404, 404, 200, 200, 404, 200),
        "PATCH": E(403, 403, 403, 403, 403, 200, 404, 200),
    },
    "api:institution-disclosure-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 201, 201, 400, 201),
    },
    "api:institution-disclosure-detail": {
        "GET": E(403, 403, 404, 404, 200, 200, 404, 200),
        "PATCH": E(403, 403, 403, 403, 200, 200, 404, 200),
    },
    "api:institution-list-change-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
    },
    "api:institution-list-change-detail": {
        "GET": E(403, 403, 404, 404, 200, 200, 404, 200),
    },
    "api:institution-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 403, 201, 400, 201),
    },
    "api:institution-import-file": {
        "POST": E(403, 403, 403, 403, 403, 201, 400, 201),
    },
    "api:institution-detail": {
        "GET": E(403, 403, 404, 404, 200, 200, 404, 200),
        "PATCH": E(403, 403, 403, 403, 403, 200, 404, 200),
    },
    # --- API: filing periods. A school asks for a correction of its own class-days (school B names school A's
    # class: 400); district staff and the city decide (school staff: 403; another district: not found)
    "api:periods-correction-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 201, 400, 403, 403, 403, 403),
    },
    "api:periods-correction-detail": {
        "GET": E(403, 403, 200, 404, 404, 200, 404, 200),
    },
    "api:periods-correction-approve": {
        "POST": E(403, 403, 403, 404, 403, 200, 404, 200),
    },
    "api:periods-correction-reject": {
        "POST": E(403, 403, 403, 404, 403, 200, 404, 200),
    },
    "api:periods-version-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
    },
    "api:periods-version-detail": {
        "GET": E(403, 403, 200, 404, 404, 200, 404, 200),
    },
    # --- API: homework (items and days are filed through POST, never edited or deleted)
    "api:homework-survey-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 201, 400, 403, 201, 400, 201),
    },
    "api:homework-survey-detail": {
        "GET": E(403, 403, 200, 404, 404, 200, 404, 200),
    },
    "api:homework-day-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 201, 400, 403, 201, 400, 201),
    },
    "api:homework-day-detail": {
        "GET": E(403, 403, 200, 404, 404, 200, 404, 200),
    },
    "api:homework-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 201, 400, 403, 201, 400, 201),
    },
    "api:homework-detail": {
        "GET": E(403, 403, 200, 404, 404, 200, 404, 200),
    },
    # --- API: after-school service. A programme is never deleted (400 not_deletable); a school sees its
    # district's selected providers; an institution sees the activities it provides
    "api:afterschool-report-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 201, 400, 403, 201, 400, 201),
    },
    "api:afterschool-report-detail": {
        "GET": E(403, 403, 200, 404, 404, 200, 404, 200),
    },
    "api:afterschool-programme-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 201, 400, 403, 201, 400, 201),
    },
    "api:afterschool-programme-detail": {
        "GET": E(403, 403, 200, 404, 404, 200, 404, 200),
        "PATCH": E(403, 403, 200, 404, 403, 200, 404, 200),
        "DELETE": E(403, 403, 400, 404, 403, 400, 404, 400),
    },
    "api:afterschool-activity-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 201, 400, 403, 201, 400, 201),
    },
    "api:afterschool-activity-detail": {
        "GET": E(403, 403, 200, 404, 200, 200, 404, 200),
        "PATCH": E(403, 403, 200, 404, 403, 200, 404, 200),
        "DELETE": E(403, 403, 204, 404, 403, 204, 404, 204),
    },
    "api:afterschool-provider-selection-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 403, 201, 400, 201),
    },
    "api:afterschool-provider-selection-detail": {
        "GET": E(403, 403, 200, 404, 200, 200, 404, 200),
        "PATCH": E(403, 403, 403, 403, 403, 200, 404, 200),
    },
    # --- API: complaints. Tracking answers only the holder of the secret (the parent); the complaint is
    # "received", so the parent's reopen is a 400. Contact details are revealed to the complaint's district
    # staff only, not to city staff (403). Schools and institutions list no complaints (empty list, 404)
    "api:complaint-track": {
        "POST": E(404, 200, 404, 404, 404, 404, 404, 404),
    },
    "api:complaint-reopen": {
        "POST": E(404, 400, 404, 404, 404, 404, 404, 404),
    },
    "api:complaint-target-institutions": {
        "GET": E(200, 200, 200, 200, 200, 200, 200, 200),
    },
    "api:complaint-target-schools": {
        "GET": E(200, 200, 200, 200, 200, 200, 200, 200),
    },
    "api:complaint-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(201, 201, 201, 201, 201, 201, 201, 201),
    },
    "api:complaint-detail": {
        "GET": E(403, 403, 404, 404, 404, 200, 404, 200),
    },
    "api:complaint-contact": {
        "POST": E(403, 403, 403, 403, 403, 200, 404, 403),
    },
    "api:complaint-match-teacher": {
        "POST": E(403, 403, 403, 403, 403, 400, 404, 400),
    },
    "api:complaint-reroute": {
        "POST": E(403, 403, 403, 403, 403, 200, 404, 200),
    },
    "api:complaint-transition": {
        "POST": E(403, 403, 403, 403, 403, 200, 404, 200),
    },
    # --- API: compliance. Rules and parameters are policy: every staff role reads them, city staff add parameters.
    # A district starts sweeps of its own district only (district 2 asking for 110101: 404)
    # the API root lists the endpoints (links only) for anybody signed in
    "api:api-root": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
    },
    "api:compliance-rule-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
    },
    "api:compliance-rule-detail": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
    },
    "api:compliance-parameter-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 403, 403, 403, 201),
    },
    "api:compliance-parameter-detail": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
    },
    "api:compliance-run-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 403, 202, 404, 202),
    },
    "api:compliance-run-detail": {
        "GET": E(403, 403, 404, 404, 404, 200, 404, 200),
    },
    "api:compliance-finding-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 403, 201, 400, 201),
    },
    "api:compliance-finding-detail": {
        "GET": E(403, 403, 200, 404, 404, 200, 404, 200),
        "PATCH": E(403, 403, 200, 404, 404, 200, 404, 200),
    },
    # rectification notices: bureau staff issue and review, the notified school answers; others do not see them
    "api:compliance-notice-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 403, 201, 400, 201),
    },
    "api:compliance-notice-detail": {
        "GET": E(403, 403, 200, 404, 404, 200, 404, 200),
    },
    "api:compliance-notice-report": {
        "POST": E(403, 403, 201, 404, 404, 403, 404, 403),
    },
    "api:compliance-notice-review": {
        "POST": E(403, 403, 403, 404, 404, 200, 404, 200),
    },
    # --- API: notifications. Everyone signed in has their own; a notification is its recipient's alone, so
    # another user's is a 404 whatever the role (city staff too)
    "api:notification-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
    },
    "api:notification-detail": {
        "GET": E(403, 403, 200, 404, 404, 404, 404, 404),
    },
    "api:notification-read": {
        "POST": E(403, 403, 200, 404, 404, 404, 404, 404),
    },
    "api:notification-read-all": {
        "POST": E(403, 403, 200, 200, 200, 200, 200, 200),
    },
    # --- API: inspections. Schools and institutions read the inspections of themselves; district and city staff
    # record them (district 2 naming district 1's school: 400, the school is outside its scope)
    "api:inspection-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 403, 201, 400, 201),
    },
    "api:inspection-detail": {
        "GET": E(403, 403, 200, 404, 404, 200, 404, 200),
    },
    # --- API: dashboards (district dashboards are for bureau staff: schools and institutions get 404), audit
    "api:dashboard-city": {
        "GET": E(403, 403, 403, 403, 403, 403, 403, 200),
    },
    "api:dashboard-district": {
        "GET": E(403, 403, 404, 404, 404, 200, 404, 200),
    },
    "api:dashboard-district-schools": {
        "GET": E(403, 403, 404, 404, 404, 200, 404, 200),
    },
    "api:dashboard-school": {
        "GET": E(403, 403, 200, 404, 404, 200, 404, 200),
    },
    # monthly district reports: between the district bureaus and the city; schools and institutions get 403;
    # a district freezes and submits its own, the city accepts, returns and reopens
    "api:dashboard-report-list": {
        "GET": E(403, 403, 403, 403, 403, 200, 200, 200),
        "POST": E(403, 403, 403, 403, 403, 201, 201, 403),
    },
    "api:dashboard-report-detail": {
        "GET": E(403, 403, 403, 403, 403, 200, 404, 200),
    },
    "api:dashboard-report-refresh": {
        "POST": E(403, 403, 403, 403, 403, 200, 404, 403),
    },
    "api:dashboard-report-submit": {
        "POST": E(403, 403, 403, 403, 403, 200, 404, 403),
    },
    "api:dashboard-report-accept": {
        "POST": E(403, 403, 403, 403, 403, 403, 404, 200),
    },
    "api:dashboard-report-return": {
        "POST": E(403, 403, 403, 403, 403, 403, 404, 200),
    },
    "api:dashboard-report-reopen": {
        "POST": E(403, 403, 403, 403, 403, 403, 404, 200),
    },
    "api:audit-list": {
        "GET": E(403, 403, 403, 403, 403, 403, 403, 200),
    },
    "api:audit-detail": {
        "GET": E(403, 403, 403, 403, 403, 403, 403, 200),
    },
    # the credentials in the body are the permission: every caller gets a token for them. DELETE revokes the
    # token the request is made with: a signed-in browser has none
    "api-token": {
        "POST": E(200, 200, 200, 200, 200, 200, 200, 200),
        "DELETE": E(403, 403, 403, 403, 403, 403, 403, 403),
    },
    # --- pages: accounts. Signed-in users are sent away from the login page (302 home)
    "home": {
        "GET": E(200, 200, 200, 200, 200, 200, 200, 200),
        "POST": E(200, 200, 200, 200, 200, 200, 200, 200),
    },
    "login": {
        "GET": E(200, 200, 302, 302, 302, 302, 302, 302),
        "POST": E(200, 200, 302, 302, 302, 302, 302, 302),
        "PUT": E(200, 200, 302, 302, 302, 302, 302, 302),
    },
    "logout": {
        "POST": E(302, 302, 302, 302, 302, 302, 302, 302),
    },
    "audit": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 200),
    },
    # every staff user changes their own password (an empty form answers with its errors)
    "password-change": {
        "GET": E(LOGIN, LOGIN, 200, 200, 200, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 200, 200, 200, 200, 200, 200),
    },
    # city and district staff reset the passwords of the accounts in their scope; schools and institutions none
    "users": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
    },
    "user-password-reset": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 200, 404, 200),
    },
    # --- pages: the registry is for bureau staff; an institution keeps its own records (courses here) and schedule
    "institutions:list": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
    },
    "institutions:create": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 200, 302),
    },
    "institutions:mine": {
        "GET": E(LOGIN, LOGIN, 403, 403, 200, 403, 403, 403),
        "POST": E(LOGIN, LOGIN, 403, 403, 200, 403, 403, 403),
    },
    "institutions:import": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 400, 302),
    },
    "institutions:import-template": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
    },
    "institutions:schedule-import": {
        "GET": E(LOGIN, LOGIN, 403, 403, 200, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 302, 302, 400, 302),
    },
    "institutions:schedule-template": {
        "GET": E(LOGIN, LOGIN, 403, 403, 200, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 200, 200, 200, 200),
    },
    "institutions:export": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
    },
    "institutions:detail": {
        "GET": E(LOGIN, LOGIN, 403, 403, 200, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 200, 200, 404, 200),
    },
    "institutions:edit": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 404, 302),
    },
    "institutions:list-status": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 404, 302),
    },
    "institutions:record-add": {
        "GET": E(LOGIN, LOGIN, 403, 403, 200, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 302, 302, 404, 302),
    },
    "institutions:record-edit": {
        "GET": E(LOGIN, LOGIN, 403, 403, 200, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 302, 302, 404, 302),
    },
    # the public look-up (no login)
    "institutions:lookup": {
        "GET": E(200, 200, 200, 200, 200, 200, 200, 200),
        "POST": E(200, 200, 200, 200, 200, 200, 200, 200),
    },
    "institutions:lookup-detail": {
        "GET": E(200, 200, 200, 200, 200, 200, 200, 200),
        "POST": E(200, 200, 200, 200, 200, 200, 200, 200),
    },
    # --- pages: filing periods. The list for every staff role (its own scope); the request form for school
    # staff (school B naming school A's class: the form again, nothing saved); the decision for district staff
    "periods:list": {
        "GET": E(LOGIN, LOGIN, 200, 200, 200, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 200, 200, 200, 200, 200, 200),
    },
    "periods:new": {
        "GET": E(LOGIN, LOGIN, 200, 200, 403, 403, 403, 403),
        "POST": E(LOGIN, LOGIN, 302, 200, 403, 403, 403, 403),
    },
    "periods:detail": {
        "GET": E(LOGIN, LOGIN, 200, 404, 404, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 403, 404, 404, 302, 404, 302),
    },
    # --- pages: homework filing is for school staff, each for its own classes (school B's POST for school A's
    # class is a form error, nothing saved); the share link is public and read-only
    "homework:file": {
        "GET": E(LOGIN, LOGIN, 200, 200, 403, 403, 403, 403),
        "POST": E(LOGIN, LOGIN, 302, 200, 403, 403, 403, 403),
    },
    "homework:upload": {
        "GET": E(LOGIN, LOGIN, 200, 200, 403, 403, 403, 403),
        "POST": E(LOGIN, LOGIN, 200, 200, 403, 403, 403, 403),
    },
    "homework:template": {
        "GET": E(LOGIN, LOGIN, 200, 200, 403, 403, 403, 403),
        "POST": E(LOGIN, LOGIN, 405, 405, 405, 405, 405, 405),
    },
    "homework:publication": {
        "GET": E(LOGIN, LOGIN, 200, 404, 404, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 200, 404, 404, 200, 404, 200),
    },
    "homework:public": {
        "GET": E(200, 200, 200, 200, 200, 200, 200, 200),
        "POST": E(405, 405, 405, 405, 405, 405, 405, 405),
    },
    "homework:public-day": {
        "GET": E(200, 200, 200, 200, 200, 200, 200, 200),
        "POST": E(405, 405, 405, 405, 405, 405, 405, 405),
    },
    # --- pages: after-school filing, school staff for their own school only
    "afterschool:report": {
        "GET": E(LOGIN, LOGIN, 200, 200, 403, 403, 403, 403),
        "POST": E(LOGIN, LOGIN, 302, 302, 403, 403, 403, 403),
    },
    "afterschool:programme": {
        "GET": E(LOGIN, LOGIN, 200, 200, 403, 403, 403, 403),
        "POST": E(LOGIN, LOGIN, 302, 302, 403, 403, 403, 403),
    },
    # --- pages: complaints. The form and tracking are public; the rest is for bureau staff (403 for others,
    # whatever the complaint), district 2 gets 404 for district 1's complaint
    # a filed complaint redirects to its confirmation (post/redirect/get)
    "complaints:submit": {
        "GET": E(200, 200, 200, 200, 200, 200, 200, 200),
        "POST": E(302, 302, 302, 302, 302, 302, 302, 302),
    },
    "complaints:track": {
        "GET": E(200, 200, 200, 200, 200, 200, 200, 200),
        "POST": E(200, 200, 200, 200, 200, 200, 200, 200),
    },
    "complaints:submitted": {
        "GET": E(404, 404, 404, 404, 404, 404, 404, 404),
        "POST": E(404, 404, 404, 404, 404, 404, 404, 404),
    },
    "complaints:inbox": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
    },
    "complaints:staff-new": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 302, 302),
    },
    "complaints:detail": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 200, 404, 200),
    },
    "complaints:transition": {
        "GET": E(LOGIN, LOGIN, 405, 405, 405, 405, 405, 405),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 404, 302),
    },
    "complaints:assign": {
        "GET": E(LOGIN, LOGIN, 405, 405, 405, 405, 405, 405),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 404, 302),
    },
    "complaints:reroute": {
        "GET": E(LOGIN, LOGIN, 405, 405, 405, 405, 405, 405),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 404, 302),
    },
    "complaints:match-teacher": {
        "GET": E(LOGIN, LOGIN, 405, 405, 405, 405, 405, 405),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 400, 404, 400),
    },
    "complaints:contact": {
        "GET": E(LOGIN, LOGIN, 405, 405, 405, 405, 405, 405),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 200, 404, 403),
    },
    "complaints:photo": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 200, 404, 200),
    },
    # --- pages: compliance. A school may mark its own finding rectifying; runs are started by bureau staff
    "compliance:findings": {
        "GET": E(LOGIN, LOGIN, 200, 200, 200, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 200, 200, 200, 200, 200, 200),
    },
    "compliance:finding": {
        "GET": E(LOGIN, LOGIN, 200, 404, 404, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 302, 404, 404, 302, 404, 302),
    },
    # bureau staff only; a finding outside the caller's scope is reported as not changed (the redirect's message)
    "compliance:findings-bulk-status": {
        "GET": E(LOGIN, LOGIN, 405, 405, 405, 405, 405, 405),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 302, 302),
    },
    # any staff: the workbook holds only the chosen findings the caller may see
    "compliance:findings-export": {
        "GET": E(LOGIN, LOGIN, 405, 405, 405, 405, 405, 405),
        "POST": E(LOGIN, LOGIN, 200, 200, 200, 200, 200, 200),
    },
    "compliance:runs": {
        "GET": E(LOGIN, LOGIN, 200, 200, 200, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 400, 302),
    },
    "compliance:run": {
        "GET": E(LOGIN, LOGIN, 404, 404, 404, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 404, 404, 404, 200, 404, 200),
    },
    "compliance:notices": {
        "GET": E(LOGIN, LOGIN, 200, 200, 200, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 200, 200, 200, 200, 200, 200),
    },
    "compliance:notice-new": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 400, 302),
    },
    "compliance:notice": {
        "GET": E(LOGIN, LOGIN, 200, 404, 404, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 200, 404, 404, 200, 404, 200),
    },
    "compliance:notice-report": {
        "GET": E(LOGIN, LOGIN, 302, 404, 404, 302, 404, 302),
        "POST": E(LOGIN, LOGIN, 302, 404, 404, 403, 404, 403),
    },
    "compliance:notice-review": {
        "GET": E(LOGIN, LOGIN, 403, 404, 404, 302, 404, 302),
        "POST": E(LOGIN, LOGIN, 403, 404, 404, 302, 404, 302),
    },
    "compliance:attachment": {
        "GET": E(LOGIN, LOGIN, 200, 404, 404, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 200, 404, 404, 200, 404, 200),
    },
    # --- pages: schools. Only city staff enter a statutory year of the calendar
    "schools:statutory-years": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 302),
    },
    "schools:terms": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 302),
    },
    "schools:term": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 302),
    },
    "schools:vacations": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 302),
    },
    "schools:vacation": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 400),
    },
    "schools:overrides": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 405),
    },
    "schools:month": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 405),
    },
    "compliance:parameters": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 405),
    },
    "compliance:parameter": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 302),
    },
    # --- pages: notifications. Reading is a POST; an empty settings form switches e-mail off (302)
    "notifications:inbox": {
        "GET": E(LOGIN, LOGIN, 200, 200, 200, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 405, 405, 405, 405, 405, 405),
    },
    "notifications:read": {
        "GET": E(LOGIN, LOGIN, 405, 405, 405, 405, 405, 405),
        "POST": E(LOGIN, LOGIN, 302, 404, 404, 404, 404, 404),
    },
    "notifications:read-all": {
        "GET": E(LOGIN, LOGIN, 405, 405, 405, 405, 405, 405),
        "POST": E(LOGIN, LOGIN, 302, 302, 302, 302, 302, 302),
    },
    "notifications:settings": {
        "GET": E(LOGIN, LOGIN, 200, 200, 200, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 302, 302, 302, 302, 302, 302),
    },
    # --- pages: inspections. Every staff role has the list (scoped); only bureau staff record, district 2 for
    # district 1 is a form error naming the district (400), nothing saved
    "inspections:list": {
        "GET": E(LOGIN, LOGIN, 200, 200, 200, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 200, 200, 200, 200, 200, 200),
    },
    "inspections:new": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 400, 302),
    },
    "inspections:detail": {
        "GET": E(LOGIN, LOGIN, 200, 404, 404, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 200, 404, 404, 200, 404, 200),
    },
    "inspections:photo": {
        "GET": E(LOGIN, LOGIN, 200, 404, 404, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 200, 404, 404, 200, 404, 200),
    },
    # --- pages: dashboards (the home page redirects each role to its own dashboard)
    "dashboards:district-home": {
        "GET": E(LOGIN, LOGIN, 302, 302, 403, 302, 302, 302),
        "POST": E(LOGIN, LOGIN, 302, 302, 403, 302, 302, 302),
    },
    "dashboards:city": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 200),
    },
    "dashboards:city-xlsx": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 403, 403, 200),
    },
    "dashboards:district": {
        "GET": E(LOGIN, LOGIN, 404, 404, 404, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 404, 404, 404, 200, 404, 200),
    },
    "dashboards:district-xlsx": {
        "GET": E(LOGIN, LOGIN, 404, 404, 404, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 404, 404, 404, 200, 404, 200),
    },
    "dashboards:school": {
        "GET": E(LOGIN, LOGIN, 200, 404, 404, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 200, 404, 404, 200, 404, 200),
    },
    "dashboards:school-xlsx": {
        "GET": E(LOGIN, LOGIN, 200, 404, 404, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 200, 404, 404, 200, 404, 200),
    },
    "dashboards:findings-xlsx": {
        "GET": E(LOGIN, LOGIN, 200, 200, 200, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 200, 200, 200, 200, 200, 200),
    },
    # monthly district reports: district 1 freezes its November (a redirect to the report), submits its draft
    "dashboards:reports": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 302, 403),
    },
    "dashboards:report": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 404, 403),
    },
    "dashboards:report-xlsx": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 405, 405, 405, 405, 405, 405),
    },
    # --- API: prepaid funds. Only a custodian bank's token posts statements (tests/funds: its own accounts, 404
    # for another bank's); staff read accounts, statements and refund requests in their scope, schools none
    "api:funds-bank-statement-post": {
        "POST": E(403, 403, 403, 403, 403, 403, 403, 403),
    },
    "api:funds-account-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
    },
    "api:funds-account-detail": {
        "GET": E(403, 403, 404, 404, 200, 200, 404, 200),
    },
    "api:funds-statement-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
    },
    "api:funds-statement-detail": {
        "GET": E(403, 403, 404, 404, 200, 200, 404, 200),
    },
    "api:funds-refund-list": {
        "GET": E(403, 403, 200, 200, 200, 200, 200, 200),
    },
    "api:funds-refund-detail": {
        "GET": E(403, 403, 404, 404, 200, 200, 404, 200),
    },
    # --- pages: prepaid funds. Bureau staff see the overview, register accounts and import statements (district 2
    # cannot name district 1's institution or account: 400); the institution records attendance and answers
    # refund requests; district staff turn a request into a complaint; parents request and track with no account
    "funds:overview": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
    },
    "funds:accounts": {
        "GET": E(LOGIN, LOGIN, 403, 403, 200, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 200, 200, 200, 200),
    },
    "funds:account-register": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 400, 302),
    },
    "funds:statement-import": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 400, 302),
    },
    "funds:statement-template": {
        "GET": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 200, 200, 200),
    },
    "funds:attendance": {
        "GET": E(LOGIN, LOGIN, 403, 403, 200, 403, 403, 403),
        "POST": E(LOGIN, LOGIN, 403, 403, 302, 403, 403, 403),
    },
    "funds:refunds": {
        "GET": E(LOGIN, LOGIN, 403, 403, 200, 200, 200, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 200, 200, 200, 200),
    },
    "funds:refund-detail": {
        "GET": E(LOGIN, LOGIN, 403, 403, 200, 200, 404, 200),
        "POST": E(LOGIN, LOGIN, 403, 403, 302, 403, 404, 403),
    },
    "funds:refund-escalate": {
        "GET": E(LOGIN, LOGIN, 405, 405, 405, 405, 405, 405),
        "POST": E(LOGIN, LOGIN, 403, 403, 403, 302, 404, 302),
    },
    "funds:refund-request": {
        "GET": E(200, 200, 200, 200, 200, 200, 200, 200),
        "POST": E(200, 200, 200, 200, 200, 200, 200, 200),
    },
    "funds:refund-track": {
        "GET": E(200, 200, 200, 200, 200, 200, 200, 200),
        "POST": E(200, 200, 200, 200, 200, 200, 200, 200),
    },
}


def snapshot(target):
    """What a refused write must leave as it was: the object's row, or the number of rows of a model."""
    if target is None:
        return None
    if isinstance(target, type):
        return target._default_manager.count()
    return type(target)._default_manager.filter(pk=target.pk).values().first()


def out_of_scope(world: World, role: str, target) -> bool:
    """A staff role (not city) that may not see ``target``, an object of district 1."""
    if role not in STAFF_ROLES or role == "city" or target is None or isinstance(target, type):
        return False
    anchors = world.anchors.get((target._meta.label, target.pk))
    assert anchors is not None, f"{target!r} is not registered in the world's anchors"
    return world.anchor_of(role) not in anchors


def describe(response) -> str:
    text = ""
    if response.get("Content-Type", "").startswith(("application/json", "text/plain")):
        text = " " + response.content[:300].decode("utf-8", "replace")
    elif response.status_code in (301, 302):
        text = f" -> {response['Location']}"
    return f"{response.status_code}{text}"


def succeeded(answer) -> bool:
    return answer in (200, 201, 202, 204) or (answer == 302)


# --- no list holds another scope's objects -------------------------------------------------------------------

#: list endpoints that are not scoped on purpose
UNSCOPED_LISTS = {
    "api:public-institution-search": "the public look-up: licensed institutions of every district, for parents",
    "api:complaint-target-institutions": "the complaint form's name search: public names only (id, name, district)",
    "api:complaint-target-schools": "the complaint form's name search: public names only (id, name, district)",
    "api:compliance-rule-list": "the rule catalogue: policy, not data",
    "api:compliance-parameter-list": "rule parameters: policy, the same for every staff role",
}
#: the model of list endpoints whose view has no ``queryset`` attribute
LIST_MODELS = {
    "api:complaint-list": Complaint,
    "api:dashboard-district-schools": School,
}
#: pages that link to a scoped object: the URL name, and the model and argument that name it
LINKED_OBJECTS = {
    "institutions:detail": (Institution, "pk"),
    "institutions:edit": (Institution, "pk"),
    "institutions:list-status": (Institution, "pk"),
    "institutions:record-add": (Institution, "institution_pk"),
    "compliance:finding": (apps.get_model("compliance", "Finding"), "pk"),
    "compliance:run": (ComplianceRun, "pk"),
    "inspections:detail": (Inspection, "pk"),
    "inspections:photo": (Inspection, "pk"),
    "complaints:detail": (Complaint, "pk"),
    "complaints:photo": (Complaint, "pk"),
    "funds:refund-detail": (apps.get_model("funds", "RefundRequest"), "pk"),
    "funds:refund-escalate": (apps.get_model("funds", "RefundRequest"), "pk"),
    "funds:attendance": (Session, "session_pk"),
    "dashboards:school": (School, "pk"),
    "dashboards:school-xlsx": (School, "pk"),
    "dashboards:district": (District, "code"),
    "dashboards:district-xlsx": (District, "code"),
    "dashboards:report": (apps.get_model("dashboards", "MonthlyReport"), "pk"),
    "dashboards:report-xlsx": (apps.get_model("dashboards", "MonthlyReport"), "pk"),
    "homework:publication": (SchoolClass, "class_id"),
    "user-password-reset": (get_user_model(), "pk"),
}


def _visible(world, role, model, pk) -> bool:
    anchors = world.anchors.get((model._meta.label, pk))
    return anchors is not None and world.anchor_of(role) in anchors


def list_leaks(world: World, role: str, endpoint: m.Endpoint, response) -> list[str]:
    """Objects of another district, school or institution that a list answer (JSON rows, or a page's links)
    shows ``role``; city staff see everything, and unscoped lists are public on purpose."""
    if role == "city" or endpoint.name in UNSCOPED_LISTS or role not in STAFF_ROLES:
        return []
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/json"):
        body = response.json()
        rows = body.get("results") if isinstance(body, dict) else body
        if not isinstance(rows, list) or not rows or not isinstance(rows[0], dict) or "id" not in rows[0]:
            return []
        model = LIST_MODELS.get(endpoint.name) or getattr(getattr(endpoint.view_class, "queryset", None), "model", None)
        assert model is not None, f"{endpoint.key}: declare the model of this list in LIST_MODELS"
        return [
            f"{role}: the list holds {model.__name__} #{row['id']}, which is outside its scope"
            for row in rows
            if not _visible(world, role, model, row["id"])
        ]
    if content_type.startswith("text/html"):
        leaks = []
        for href in set(re.findall(r'href="([^"#?]+)', response.content.decode())):
            try:
                match = resolve(href)
            except Resolver404:
                continue
            linked = LINKED_OBJECTS.get(match.view_name)
            if match.view_name == "institutions:record-edit":
                linked = (RECORD_KINDS[match.kwargs["kind"]][0], "pk")
            if linked is None:
                continue
            model, arg = linked
            key = match.kwargs[arg]
            pk = District.objects.get(code=key).pk if arg == "code" else int(key)
            if not _visible(world, role, model, pk):
                leaks.append(f"{role}: the page links to {model.__name__} #{pk} ({href}), outside its scope")
        return leaks
    return []


# ===========================================================================================================
# The tests
# ===========================================================================================================

ENDPOINTS = m.covered_endpoints()


def _rows():
    for endpoint in ENDPOINTS:
        declared = EXPECT.get(endpoint.name, {})
        for method in endpoint.methods or tuple(declared) or ("GET",):
            yield pytest.param(endpoint, method, id=f"{endpoint.key} {method}")


def test_every_url_pattern_and_method_is_declared():
    """A new URL pattern, or a method a view newly allows, fails here until its answers are declared."""
    problems = []
    names = set()
    for endpoint in ENDPOINTS:
        names.add(endpoint.name)
        if endpoint.name not in EXPECT:
            problems.append(f"{endpoint.name} ({endpoint.route}): no expected answers declared in EXPECT")
            continue
        if endpoint.name not in FILLS:
            problems.append(f"{endpoint.name} ({endpoint.route}): no Fill declared in FILLS")
        if set(EXPECT[endpoint.name]) != set(endpoint.methods):
            problems.append(
                f"{endpoint.name}: the view allows {sorted(endpoint.methods)}, "
                f"EXPECT declares {sorted(EXPECT[endpoint.name])}"
            )
    problems += [f"{name}: declared in EXPECT but no URL pattern has that name" for name in set(EXPECT) - names]
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "method"), list(_rows()))
def test_matrix(world, endpoint, method):
    # the clock at noon of NEXT_DAY: the filings the matrix sends (NEXT_DAY) are open, CLOSED_DAY is closed
    with clock.on_day(NEXT_DAY):
        _check_matrix(world, endpoint, method)


def _check_matrix(world, endpoint, method):
    row = EXPECT.get(endpoint.name)
    if row is None or method not in row:
        pytest.fail(f"URL pattern {endpoint.name!r} ({endpoint.route}): no expected answer declared for {method}")
    fill = FILLS[endpoint.name]
    args = fill.args(world)
    url = m.fill_route(endpoint, args)
    target = fill.target_of(world)
    problems = []
    for role in ROLES:
        expected = row[method][role]
        payload = payload_for(endpoint.name, method, world, role)
        before = snapshot(target)
        response, after = m.send(world, role, method, url, payload, inspect=lambda r: snapshot(target))
        answer = m.outcome(response)
        if answer != expected:
            problems.append(f"{role}: expected {expected}, got {describe(response)}")
        foreign = out_of_scope(world, role, target)
        if method != "GET" and after != before and (not succeeded(answer) or answer == LOGIN or foreign):
            problems.append(f"{role}: {method} answered {answer} but changed {target!r}")
        if method == "GET" and answer == 200:
            problems += list_leaks(world, role, endpoint, response)
        if foreign and fill.object_arg and endpoint.name not in PUBLIC_OBJECTS:
            if succeeded(answer):
                problems.append(f"{role}: district 1's object is outside its scope, yet {method} answered {answer}")
            missing = m.fill_route(endpoint, {**args, fill.object_arg: _missing_value(fill.object_arg)})
            response2, _ = m.send(world, role, method, missing, payload)
            if m.outcome(response2) != answer:
                problems.append(
                    f"{role}: {answer} for an object outside its scope but {describe(response2)} for "
                    f"one that does not exist ({missing}): the answer tells that the object exists"
                )
    assert not problems, f"{method} {url}\n" + "\n".join(problems)


@pytest.mark.django_db
def test_methods_a_view_does_not_allow_are_refused(world):
    """A method a class-based view does not allow is a 405, asked by a role that passes the view's other
    checks: city staff for the API (they pass every permission), anonymous for pages (the login page sends a
    signed-in user away before it looks at the method)."""
    problems = []
    for endpoint in ENDPOINTS:
        if endpoint.view_class is None:
            continue  # function pages answer any method themselves (declared above for GET and POST)
        url = m.fill_route(endpoint, FILLS[endpoint.name].args(world))
        role = "city" if endpoint.is_api else "anonymous"
        for method in m.ALL_METHODS:
            if method in endpoint.methods:
                continue
            response, _ = m.send(world, role, method, url, m.Payload(data={} if endpoint.is_api else None))
            if response.status_code != 405:
                problems.append(f"{method} {url} ({endpoint.name}) as {role}: expected 405, got {describe(response)}")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_a_delete_refused_because_rows_refer_to_it_names_their_kinds_not_the_rows(world):
    """Deleting a school that classes, staff accounts and findings still refer to is a 409 naming those kinds of
    record; the raw database message listed the rows themselves, staff usernames included."""
    response, _ = m.send(world, "district1", "DELETE", f"/api/v1/schools/{world.a.school.pk}/", None)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "protected"
    assert "班级" in body["fields"]["non_field_errors"][0]
    assert world.users["school_a"].username not in response.content.decode()


# ===========================================================================================================
# Scope-defining fields: a PATCH of the foreign key that decides who sees a row
# ===========================================================================================================
#
# The matrix above PATCHes harmless fields. Here every writable foreign key that defines scope (a school's
# district, a class's school, an institution's district, a sub-record's institution or course, a programme's
# school, an activity's programme, a provider selection's district) is PATCHed by every role. The rule: the
# caller's scope must cover both the old and the new owner. ``MOVED`` means 200, the row now has the new owner,
# and one audit event records the move; any other answer means refused, and the row and the audit trail are as
# they were. District 1 (110101) holds school A, a second school A2, the institution and the other institution;
# district 2 (110102) holds school B and institution B.

MOVED = "moved"


def _scope_extras(world):
    """Rows only these tests need, created in the test's own savepoint: a second school of district 1, and
    records of the institution that nothing else points at (so moving them leaves nothing behind)."""
    from tests.institutions.factories import DisclosureFactory, SiteFactory

    return {
        "school_a2": f.SchoolFactory(district=world.a.district, name="东城区测试小学A2"),
        "free_site": SiteFactory(institution=world.a.institution),
        "free_disclosure": DisclosureFactory(institution=world.a.institution, item="licence"),
    }


@dataclass
class Move:
    url: str  # the detail route's name
    target: object  # (world, extras) -> the row to move
    field: str  # the API field
    value: object  # (world, extras) -> the JSON value naming the new owner
    expect: dict
    attname: str = ""  # the stored column (``field``_id unless given)


_a = lambda key: lambda w, x: w.a[key]  # noqa: E731
_b_pk = lambda key: lambda w, x: w.b[key].pk  # noqa: E731

SCOPE_MOVES = {
    #                                                                anon parent  sch_A  sch_B   inst  dist1  dist2   city
    # only city staff administer two districts
    "school to another district": Move(
        "api:school-detail",
        lambda w, x: w.a.school,
        "district",
        lambda w, x: w.b.district.code,
        E(403, 403, 403, 403, 403, 400, 404, MOVED),
    ),
    # district staff move a class between their own schools; a school cannot move a class out of itself
    "class to a school of another district": Move(
        "api:class-detail",
        _a("class"),
        "school",
        lambda w, x: w.b.school.pk,
        E(403, 403, 400, 404, 403, 400, 404, MOVED),
    ),
    "class to another school of the same district": Move(
        "api:class-detail",
        _a("class"),
        "school",
        lambda w, x: x["school_a2"].pk,
        E(403, 403, 400, 404, 403, MOVED, 404, MOVED),
    ),
    "institution to another district": Move(
        "api:institution-detail",
        lambda w, x: w.a.institution,
        "district",
        lambda w, x: w.b.district.code,
        E(403, 403, 403, 403, 403, 400, 404, MOVED),
    ),
    # a site that sessions use stays with their institution (409, whoever asks); a site nothing uses moves
    "site in use to another district's institution": Move(
        "api:institution-site-detail",
        _a("site"),
        "institution",
        lambda w, x: w.b.institution.pk,
        E(403, 403, 403, 403, 403, 400, 404, 409),
    ),
    "site in use to another institution of the district": Move(
        "api:institution-site-detail",
        _a("site"),
        "institution",
        lambda w, x: w.other_institution.pk,
        E(403, 403, 403, 403, 403, 409, 404, 409),
    ),
    "unused site to another institution of the district": Move(
        "api:institution-site-detail",
        lambda w, x: x["free_site"],
        "institution",
        lambda w, x: w.other_institution.pk,
        E(403, 403, 403, 403, 403, MOVED, 404, MOVED),
    ),
    "unused site to another district's institution": Move(
        "api:institution-site-detail",
        lambda w, x: x["free_site"],
        "institution",
        lambda w, x: w.b.institution.pk,
        E(403, 403, 403, 403, 403, 400, 404, MOVED),
    ),
    # a trainer who teaches a course stays with the course's institution
    "teaching trainer to another district's institution": Move(
        "api:institution-trainer-detail",
        _a("trainer"),
        "institution",
        lambda w, x: w.b.institution.pk,
        E(403, 403, 403, 403, 400, 400, 404, 409),
    ),
    "foreign staff to another district's institution": Move(
        "api:institution-foreign-staff-detail",
        _a("foreign_staff"),
        "institution",
        lambda w, x: w.b.institution.pk,
        E(403, 403, 403, 403, 400, 400, 404, MOVED),
    ),
    "foreign staff to another institution of the district": Move(
        "api:institution-foreign-staff-detail",
        _a("foreign_staff"),
        "institution",
        lambda w, x: w.other_institution.pk,
        E(403, 403, 403, 403, 400, MOVED, 404, MOVED),
    ),
    # a course taught by the institution's trainers stays with them
    "course with trainers to another district's institution": Move(
        "api:institution-course-detail",
        _a("course"),
        "institution",
        lambda w, x: w.b.institution.pk,
        E(403, 403, 403, 403, 400, 400, 404, 409),
    ),
    "disclosure to another district's institution": Move(
        "api:institution-disclosure-detail",
        lambda w, x: x["free_disclosure"],
        "institution",
        lambda w, x: w.b.institution.pk,
        E(403, 403, 403, 403, 400, 400, 404, MOVED),
    ),
    # a session at the institution's site cannot be another institution's course's (the site is not theirs)
    "session to another district's course": Move(
        "api:institution-session-detail",
        _a("session"),
        "course",
        _b_pk("course"),
        E(403, 403, 403, 403, 400, 400, 404, 400),
    ),
    "filing to another district's course": Move(
        "api:institution-filing-detail",
        _a("filing"),
        "course",
        _b_pk("course"),
        E(403, 403, 403, 403, 403, 400, 404, MOVED),
    ),
    "filing to another course of the district": Move(
        "api:institution-filing-detail",
        _a("filing"),
        "course",
        lambda w, x: w.other_objects["course"].pk,
        E(403, 403, 403, 403, 403, MOVED, 404, MOVED),
    ),
    "prepayment to another district's course": Move(
        "api:institution-prepayment-detail",
        _a("prepayment"),
        "course",
        _b_pk("course"),
        E(403, 403, 403, 403, 403, 400, 404, MOVED),
    ),
    # a programme is filed per school and term: its school is never changed (another school files its own)
    "programme to another school": Move(
        "api:afterschool-programme-detail",
        _a("programme"),
        "school",
        lambda w, x: w.b.school.pk,
        E(403, 403, 400, 404, 403, 400, 404, 400),
    ),
    "activity to another district's programme": Move(
        "api:afterschool-activity-detail",
        _a("activity"),
        "programme",
        _b_pk("programme"),
        E(403, 403, 400, 404, 403, 400, 404, MOVED),
    ),
    # a district's selected providers are its own list: only the validity and the note change
    "provider selection to another district": Move(
        "api:afterschool-provider-selection-detail",
        _a("provider_selection"),
        "district",
        lambda w, x: w.b.district.code,
        E(403, 403, 403, 403, 403, 400, 404, 400),
    ),
    "provider selection to another institution": Move(
        "api:afterschool-provider-selection-detail",
        _a("provider_selection"),
        "institution",
        lambda w, x: w.other_institution.pk,
        E(403, 403, 403, 403, 403, 400, 404, 400),
    ),
}

#: scope-defining fields a PATCH may write that are not an owner, each with its reason
NOT_AN_OWNER = {
    ("api:afterschool-activity-detail", "institution"): "the provider a school names for its own activity: the "
    "institution may then see that activity, the school and its district keep it (AS-10-PROVIDER judges the choice)",
}


def _move_events(target):
    from accounts.models import AuditEvent

    return AuditEvent.objects.filter(
        object_type=target._meta.label_lower, object_id=str(target.pk), detail__has_key="move"
    )


def test_every_writable_scope_field_is_in_the_move_table():
    """A serializer that newly lets a scope-defining foreign key be written fails here until its moves are
    declared above: the fields named in the models' ``scope_paths`` (their first step), per writable endpoint."""
    declared = {(move.url, move.field) for move in SCOPE_MOVES.values()} | set(NOT_AN_OWNER)
    missing = []
    for endpoint in ENDPOINTS:
        cls = endpoint.view_class
        if (
            not endpoint.is_api
            or cls is None
            or "PATCH" not in endpoint.methods
            or not hasattr(cls, "get_serializer_class")
            or getattr(cls, "queryset", None) is None
        ):
            continue
        model = cls.queryset.model
        serializer = cls.serializer_class()
        scope_fields = {path.split("__")[0].removesuffix("_id") for path in getattr(model, "scope_paths", {}).values()}
        for name in sorted(scope_fields):
            field_ = serializer.fields.get(name)
            if field_ is not None and not field_.read_only and (endpoint.name, name) not in declared:
                missing.append(f"{endpoint.name}: {name}")
    assert not missing, "scope-defining fields a PATCH may write, with no row in SCOPE_MOVES:\n" + "\n".join(missing)


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(SCOPE_MOVES), ids=list(SCOPE_MOVES))
def test_patching_a_scope_defining_field(world, case):
    """Refused (and nothing changed, nothing recorded) unless the caller's scope covers both owners; when allowed,
    the row has its new owner and the move is in the audit trail."""
    from django.urls import reverse

    move = SCOPE_MOVES[case]
    extras = _scope_extras(world)
    target = move.target(world, extras)
    attname = move.attname or f"{move.field}_id"
    url = reverse(move.url, kwargs={"pk": target.pk})
    payload = m.Payload(data={move.field: move.value(world, extras)})

    def inspect(response):
        stored = type(target)._default_manager.filter(pk=target.pk).values().first()
        return stored, _move_events(target).count()

    problems = []
    for role in ROLES:
        expected = move.expect[role]
        before = (snapshot(target), _move_events(target).count())
        response, (after_row, after_events) = m.send(world, role, "PATCH", url, payload, inspect=inspect)
        answer = m.outcome(response)
        if expected == MOVED:
            if answer != 200:
                problems.append(f"{role}: expected the move to succeed, got {describe(response)}")
            elif after_row[attname] == before[0][attname]:
                problems.append(f"{role}: answered 200 but {attname} is still {after_row[attname]}")
            elif after_events != before[1] + 1:
                problems.append(f"{role}: the move was not recorded in the audit trail")
        else:
            if answer != expected:
                problems.append(f"{role}: expected {expected}, got {describe(response)}")
            if after_row != before[0]:
                problems.append(f"{role}: refused with {answer} but the row changed")
            if after_events != before[1]:
                problems.append(f"{role}: refused with {answer} but a move was recorded")
    assert not problems, f"PATCH {url} {payload.data}\n" + "\n".join(problems)
