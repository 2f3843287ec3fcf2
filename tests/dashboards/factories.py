"""Raw filings for the dashboards' tests: homework days and items, surveys, after-school reports, findings, complaints."""

import datetime as dt
import secrets

from django.utils import timezone

from afterschool.models import DailyReport
from compliance.models import Finding
from homework.models import CompletionSurvey, HomeworkDay, HomeworkItem

TZ = timezone.get_default_timezone()


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)), TZ)


def homework_day(school_class, day, *, filed_at=None, items=(), no_homework=False):
    """File a class's day: ``items`` are (subject, kind, minutes, at_home) tuples."""
    filed_at = filed_at or at(day, 18)
    HomeworkDay.objects.create(
        school_class=school_class,
        school=school_class.school,
        date=day,
        no_homework=no_homework,
        first_filed_at=filed_at,
        last_filed_at=filed_at,
    )
    HomeworkItem.objects.bulk_create(
        HomeworkItem(
            school_class=school_class,
            school=school_class.school,
            date=day,
            subject=subject,
            kind=kind,
            minutes=minutes,
            at_home=at_home,
            filed_at=filed_at,
        )
        for subject, kind, minutes, at_home in items
    )


def survey(school_class, day, subject, kind, measured):
    CompletionSurvey.objects.create(
        school_class=school_class,
        school=school_class.school,
        date=day,
        subject=subject,
        kind=kind,
        measured_minutes=measured,
        sample_size=10,
        recorded_at=at(day, 21),
    )


def report(school, day, *, filed_at=None, pe=40, stage1=30, end=dt.time(17, 30), enrolled=100, participants=90):
    filed_at = filed_at or at(day, 19)
    return DailyReport.objects.create(
        school=school,
        date=day,
        pe_minutes=pe,
        stage1_minutes=stage1,
        end_time=end,
        enrolled=enrolled,
        participants=participants,
        filed_at=filed_at,
        first_filed_at=filed_at,
    )


def finding(
    rule_id, district, *, status="open", day=None, school=None, institution=None, first_seen=None, changed=None
):
    first_seen = first_seen or timezone.now()
    return Finding.objects.create(
        rule_id=rule_id,
        district=district,
        school=school,
        institution=institution,
        period_start=day,
        fingerprint=secrets.token_hex(16),
        status=status,
        first_seen=first_seen,
        last_seen=first_seen,
        status_changed_at=changed or first_seen,
        summary=f"{rule_id} test",
    )


def complaint(
    district,
    *,
    received_on,
    state="received",
    category="excessive_homework",
    department="education",
    accept_due=None,
    resolve_due=None,
    resolved_at=None,
    school=None,
):
    from complaints.models import Complaint

    return Complaint.objects.create(
        tracking_code="TS" + secrets.token_hex(5).upper(),
        secret_hash="x",
        target_kind="other",
        category=category,
        description="作业太多",
        occurred_on=received_on,
        district=district,
        department=department,
        state=state,
        received_at=at(received_on, 9),
        received_on=received_on,
        accept_due=accept_due,
        resolve_due=resolve_due,
        resolved_at=resolved_at,
        reject_reason="不属于受理范围" if state == "rejected" else "",
    )


def prepayment(institution, *, paid_on, months=3, hours=40, supervised=True):
    from institutions.models import Course, Prepayment

    course = Course.objects.create(
        institution=institution,
        name="数学提高班",
        subject="maths",
        content_grade=5,
        min_grade=5,
        max_grade=5,
        mode="offline",
        class_size=12,
        lesson_minutes=45,
        price_per_lesson=60,
    )
    return Prepayment.objects.create(
        course=course,
        paid_on=paid_on,
        amount=2400,
        class_hours=hours,
        months=months,
        account="监管账户",
        supervised=supervised,
    )
