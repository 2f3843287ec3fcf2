import datetime as dt

import pytest
from django.urls import reverse

from compliance import services
from compliance.models import ComplianceRun, Finding

MON, TUE = dt.date(2026, 11, 9), dt.date(2026, 11, 10)


@pytest.fixture
def findings(test_rules, big_class, big_class_b):
    services.run_execute_sync(run=services.run_create(date_from=MON, date_to=TUE, rule_ids=[test_rules.HEADCOUNT]))
    return Finding.objects.order_by("id")


def test_findings_page_is_scoped_filtered_and_needs_a_login(
    client, findings, district_user, django_assert_max_num_queries
):
    url = reverse("compliance:findings")
    assert client.get(url).status_code == 302
    client.force_login(district_user)
    # one more than before the count per rule above the table (one GROUP BY)
    with django_assert_max_num_queries(13):
        r = client.get(url, {"date_from": "2026-11-10", "sort": "date"})
    assert r.status_code == 200
    body = r.content.decode()
    mine = findings.get(district__code="110101", period_start=TUE)
    assert f'href="{reverse("compliance:finding", args=[mine.pk])}"' in body
    for other in findings.exclude(pk=mine.pk):
        assert f'href="{reverse("compliance:finding", args=[other.pk])}"' not in body
    assert "班额50人，超过45人" in body


def test_another_districts_finding_page_is_404(client, findings, district2_user):
    client.force_login(district2_user)
    theirs = findings.filter(district__code="110101").first()
    assert client.get(reverse("compliance:finding", args=[theirs.pk])).status_code == 404


def test_finding_page_shows_evidence_and_history_and_changes_status(client, findings, district_user):
    finding = findings.filter(district__code="110101").first()
    url = reverse("compliance:finding", args=[finding.pk])
    client.force_login(district_user)
    body = client.get(url).content.decode()
    # the evidence key is shown by its label, never the rule's English key
    assert '<th scope="row" class="nowrap">人数</th><td>50</td>' in body
    assert "headcount" not in body
    assert "减少班额" in body and "测试：班额超标" in body
    # no reason: the form comes back with the chosen status kept and an error
    r = client.post(url, {"status": "notified", "reason": ""})
    assert r.status_code == 400
    assert 'value="notified" selected' in r.content.decode()
    r = client.post(url, {"status": "notified", "reason": "已通知学校"}, follow=True)
    assert r.status_code == 200
    finding.refresh_from_db()
    assert finding.status == "notified"
    assert "已通知学校" in r.content.decode()


def test_a_school_is_offered_only_rectifying_and_rectified(client, findings, school_user):
    finding = findings.filter(school=school_user.profile.school).first()
    client.force_login(school_user)
    form = client.get(reverse("compliance:finding", args=[finding.pk])).context["form"]
    assert [c for c, _ in form.fields["status"].choices] == ["rectifying"]
    r = client.post(reverse("compliance:finding", args=[finding.pk]), {"status": "dismissed", "reason": "x"})
    assert r.status_code == 400
    finding.refresh_from_db()
    assert finding.status == "open"


def test_start_a_sweep_from_the_runs_page_and_watch_it(
    client, test_rules, big_class, district_user, school_user, django_capture_on_commit_callbacks
):
    client.force_login(district_user)
    url = reverse("compliance:runs")
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            url,
            {
                "date_from": "2026-11-09",
                "date_to": "2026-11-09",
                "district": "110101",
                "rule_ids": [test_rules.HEADCOUNT],
            },
        )
    run = ComplianceRun.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("compliance:run", args=[run.pk])
    assert run.district_codes == ["110101"] and run.trigger == "page"
    page = client.get(r["Location"]).content.decode()
    assert "<progress" in page and "js/compliance-run.js" in page
    assert f'data-url="/api/v1/compliance/runs/{run.pk}/"' in page
    assert "<script>" not in page  # no inline script
    # a district user cannot pick another district; the input is kept with the error
    bad = client.post(url, {"date_from": "2026-11-09", "date_to": "2026-11-09", "district": "110102"})
    assert bad.status_code == 400 and 'value="2026-11-09"' in bad.content.decode()
    client.force_login(school_user)
    assert client.get(url).context["form"] is None
    assert client.post(url, {"date_from": "2026-11-09", "date_to": "2026-11-09"}).status_code == 403
