"""City staff read and set the dated rule parameters on their own pages (not the admin)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from accounts.models import AuditEvent
from compliance.models import ComplianceRun, RuleParameter

pytestmark = pytest.mark.django_db

LIST = "/compliance/parameters/"
DETAIL = "/compliance/parameters/hw_max_minutes_g36/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def on(day: dt.date):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI), tick=False)


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_city_staff_open_the_parameter_pages(city_user, district_user, school_user, institution_user):
    assert Client().get(LIST).status_code == 302
    for user in (district_user, school_user, institution_user):
        assert browser(user).get(LIST).status_code == 403
        assert browser(user).get(DETAIL).status_code == 403
        assert browser(user).post(DETAIL, {"value": "50"}).status_code == 403
    assert browser(city_user).get("/compliance/parameters/no_such_parameter/").status_code == 404


def test_the_list_shows_each_parameter_with_its_value_in_force_its_source_and_its_rules(city_user):
    page = browser(city_user).get(LIST).content.decode()
    assert "3–6年级书面作业平均时长上限（分钟）" in page
    assert "第五条：3–6年级书面作业平均完成时间不超过60分钟" in page
    assert 'href="/compliance/parameters/hw_max_minutes_g36/"' in page
    assert "HW-5-G36" in page or "HW-5" in page


def test_a_future_value_is_added_with_its_source_audited_and_shown_as_scheduled(city_user):
    with on(dt.date(2026, 12, 4)):
        response = browser(city_user).post(
            DETAIL, {"value": "50", "effective_from": "2027-02-01", "source": "京教基〔2027〕1号 第三条"}
        )
        assert response.status_code == 302
        row = RuleParameter.objects.get(key="hw_max_minutes_g36", effective_from=dt.date(2027, 2, 1))
        assert row.value == 50 and row.created_by == city_user
        assert AuditEvent.objects.filter(action="create", object_id=str(row.pk)).exists()
        page = browser(city_user).get(DETAIL).content.decode()
        assert "待生效" in page and "京教基〔2027〕1号 第三条" in page
        # the value in force today is still 60, until the day before the new one
        assert "2027-01-31" in page
        assert not ComplianceRun.objects.exists()


def test_a_past_date_is_refused_without_the_confirmation_and_nothing_is_saved(city_user):
    with on(dt.date(2026, 12, 4)):
        response = browser(city_user).post(
            DETAIL, {"value": "50", "effective_from": "2026-11-20", "source": "京教基〔2026〕9号"}
        )
    assert response.status_code == 400
    page = response.content.decode()
    assert "已过去" in page and "2026-11-20" in page and "2026-12-03" in page
    assert 'value="50"' in page  # what was typed is kept
    assert not RuleParameter.objects.filter(effective_from=dt.date(2026, 11, 20)).exists()


def test_a_confirmed_past_date_saves_and_rechecks_the_days_it_governs(city_user):
    with on(dt.date(2026, 12, 4)):
        response = browser(city_user).post(
            DETAIL,
            {"value": "50", "effective_from": "2026-11-20", "source": "京教基〔2026〕9号", "confirm_past": "on"},
        )
    assert response.status_code == 302
    run = ComplianceRun.objects.get()
    assert (run.date_from, run.date_to) == (dt.date(2026, 11, 20), dt.date(2026, 12, 3))
    assert run.trigger == "change" and "HW-5-G36" in run.rule_ids
    assert AuditEvent.objects.filter(detail__past_confirmed__run=run.pk).exists()


def test_a_value_of_the_wrong_kind_is_refused_in_chinese(city_user):
    with on(dt.date(2026, 12, 4)):
        response = browser(city_user).post(
            "/compliance/parameters/as_min_end_time/",
            {"value": "五点半", "effective_from": "2027-03-01", "source": "某文件"},
        )
    assert response.status_code == 400
    assert "请按“时:分”填写时间" in response.content.decode()
