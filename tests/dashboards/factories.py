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
    HomeworkDay.objects.create(school_class=school_class, school=school_class.school, date=day,
                               no_homework=no_homework, first_filed_at=filed_at, last_filed_at=filed_at)
    HomeworkItem.objects.bulk_create(
        HomeworkItem(school_class=school_class, school=school_class.school, date=day, subject=subject, kind=kind,
                     minutes=minutes, at_home=at_home, filed_at=filed_at)
        for subject, kind, minutes, at_home in items
    )


def survey(school_class, day, subject, kind, measured):
    CompletionSurvey.objects.create(school_class=school_class, school=school_class.school, date=day,
                                    subject=subject, kind=kind, measured_minutes=measured, sample_size=10,
                                    recorded_at=at(day, 21))


def report(school, day, *, filed_at=None, pe=40, stage1=30, end=dt.time(17, 30), enrolled=100, participants=90):
    filed_at = filed_at or at(day, 19)
    return DailyReport.objects.create(school=school, date=day, pe_minutes=pe, stage1_minutes=stage1, end_time=end,
                                      enrolled=enrolled, participants=participants, filed_at=filed_at,
                                      first_filed_at=filed_at)


def finding(rule_id, district, *, status="open", day=None, school=None, institution=None, first_seen=None,
            changed=None):
    first_seen = first_seen or timezone.now()
    return Finding.objects.create(
        rule_id=rule_id, district=district, school=school, institution=institution, period_start=day,
        fingerprint=secrets.token_hex(16), status=status, first_seen=first_seen, last_seen=first_seen,
        status_changed_at=changed or first_seen, summary=f"{rule_id} test",
    )
