"""The complaint pages as a district officer uses them every day: one form per action with only its fields,
assignment to a named colleague (and "assigned to me" in the inbox), the rule of an upheld complaint chosen
explicitly, possible duplicates flagged, the inbox searched by code, text and dates."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from complaints.models import Complaint
from complaints.services import complaint_assign, complaint_reroute, complaint_transition
from compliance.models import Finding
from notifications.models import Notification
from shuangjian.errors import ServiceError
from tests import factories as f
from tests.complaints.helpers import submit


@pytest.fixture
def colleague(district1):
    user = f.user_with_role("district", username="colleague", district=district1)
    user.first_name = "李小红"
    user.save()
    return user


def _forms(html: str) -> dict[str, str]:
    """The detail page's action forms, by action, each as its HTML."""
    out = {}
    for part in html.split('<details id="action-')[1:]:
        action = part[: part.index('"')]
        out[action] = part[: part.index("</details>")]
    return out


def test_a_received_complaint_offers_accept_and_reject_each_with_only_its_fields(client, district1, district_user):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1)
    client.force_login(district_user)
    forms = _forms(client.get(f"/complaints/{c.pk}/").content.decode())
    assert set(forms) == {"accept", "reject", "reroute"}
    assert 'name="accept-note"' in forms["accept"] and "reason" not in forms["accept"]
    assert 'name="reject-reason"' in forms["reject"] and "outcome" not in forms["reject"]
    assert "upheld" not in forms["accept"] + forms["reject"]
    assert 'name="reason"' in forms["reroute"] and 'name="department"' in forms["reroute"]


def test_the_reject_form_keeps_what_was_typed_and_names_the_missing_reason(client, district1, district_user):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1)
    client.force_login(district_user)
    r = client.post(f"/complaints/{c.pk}/transition/", {"action": "reject", "reject-reason": ""})
    assert r.status_code == 400
    forms = _forms(r.content.decode())
    assert (
        "请说明不予受理的理由" in forms["reject"] and "open" in r.content.decode().split('id="action-reject"')[1][:20]
    )
    c.refresh_from_db()
    assert c.state == "received"


def test_resolving_an_upheld_complaint_needs_a_rule_chosen_explicitly(client, district1, district_user, case_rules):
    institution = f.InstitutionFactory(district=district1)
    c, _ = submit(target_kind="institution", institution=institution, category="advertising")
    for step in ("accepted", "investigating"):
        complaint_transition(complaint=c, to_state=step, actor=district_user)
        c.refresh_from_db()
    client.force_login(district_user)
    forms = _forms(client.get(f"/complaints/{c.pk}/").content.decode())
    assert set(forms) == {"resolve", "reroute"}
    # the rule is never pre-selected: the empty choice is the selected one
    rule_select = forms["resolve"][forms["resolve"].index('name="resolve-rule_id"') :]
    rule_select = rule_select[: rule_select.index("</select>")]
    assert '<option value="" selected>' in rule_select and "TI-16-AD" in rule_select
    assert 'value="TI-16-AD" selected' not in rule_select
    data = {"action": "resolve", "resolve-outcome": "责令撤下广告", "resolve-upheld": "true"}
    r = client.post(f"/complaints/{c.pk}/transition/", data)
    assert r.status_code == 400 and "投诉属实时须选择立案规则" in r.content.decode()
    assert "责令撤下广告" in r.content.decode()  # what was typed is kept
    c.refresh_from_db()
    assert c.state == "investigating" and not Finding.objects.exists()
    r = client.post(f"/complaints/{c.pk}/transition/", {**data, "resolve-rule_id": "TI-16-AD"})
    assert r.status_code == 302
    c.refresh_from_db()
    assert (c.state, c.upheld, c.rule_id, c.finding.rule_id) == ("resolved", True, "TI-16-AD", "TI-16-AD")


def test_an_officer_assigns_a_complaint_to_a_colleague_who_finds_it_under_assigned_to_me(
    client, district1, district_user, colleague
):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1)
    client.force_login(district_user)
    page = client.get(f"/complaints/{c.pk}/").content.decode()
    assert "李小红" in page and "未分配" in page
    r = client.post(
        reverse("complaints:assign", args=[c.pk]), {"assign-assignee": colleague.pk, "assign-note": "请核实"}
    )
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.assigned_to == colleague and c.assigned_at is not None
    event = c.events.get(kind="assigned")
    assert (event.actor, event.public, event.note) == (district_user, False, "分配给 李小红：请核实")
    assert AuditEvent.objects.filter(object_id=str(c.pk), action="update").exists()
    note = Notification.objects.get(recipient=colleague, title__contains="已分配给您")
    assert c.tracking_code in note.title and note.url == f"/complaints/{c.pk}/"
    # the colleague's inbox: "assigned to me" counts and lists it; the officer who assigned it has none
    client.force_login(colleague)
    inbox = client.get("/complaints/inbox/").content.decode()
    assert "分配给我的（1）" in inbox
    other, _ = submit(target_kind="other", target_text="另一个培训班", district=district1)
    mine = client.get("/complaints/inbox/", {"mine": "on"}).content.decode()
    assert c.tracking_code in mine and other.tracking_code not in mine
    client.force_login(district_user)
    assert "分配给我的（0）" in client.get("/complaints/inbox/").content.decode()


def test_only_an_officer_of_the_complaints_district_may_be_assigned(
    client, district1, district2, district_user, district2_user
):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1)
    with pytest.raises(ServiceError) as exc:
        complaint_assign(complaint=c, actor=district_user, assignee=district2_user)
    assert "东城区" in exc.value.message or district1.name in exc.value.message
    client.force_login(district_user)
    r = client.post(reverse("complaints:assign", args=[c.pk]), {"assign-assignee": district2_user.pk})
    assert r.status_code == 400
    c.refresh_from_db()
    assert c.assigned_to is None


def test_rerouting_to_another_district_clears_the_assignment(district1, district2, district_user, colleague):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1)
    complaint_assign(complaint=c, actor=district_user, assignee=colleague)
    c.refresh_from_db()
    complaint_reroute(complaint=c, actor=district_user, reason="属于西城区", district=district2)
    c.refresh_from_db()
    assert (c.district, c.assigned_to, c.assigned_at) == (district2, None, None)


def test_a_possible_duplicate_is_flagged_by_phone_or_institution_within_seven_days(
    client, district1, district_user, monkeypatch
):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1, contact_phone="13912345678")
    same_phone, _ = submit(target_kind="other", target_text="别的班", district=district1, contact_phone="139 1234 5678")
    unrelated, _ = submit(target_kind="other", target_text="又一个班", district=district1, contact_phone="13800000000")
    old, _ = submit(target_kind="other", target_text="旧事", district=district1, contact_phone="13912345678")
    Complaint.objects.filter(pk=old.pk).update(received_on=timezone.localdate() - dt.timedelta(days=8))
    client.force_login(district_user)
    page = client.get(f"/complaints/{c.pk}/").content.decode()
    flagged = page[page.index('id="possible-duplicates"') : page.index("</section>", page.index("possible-duplicates"))]
    assert same_phone.tracking_code in flagged and "同一电话号码" in flagged
    assert unrelated.tracking_code not in flagged and old.tracking_code not in flagged
    assert "13912345678" not in page  # the flag never shows the number
    assert 'id="possible-duplicates"' not in client.get(f"/complaints/{unrelated.pk}/").content.decode()


def test_the_same_institution_within_a_week_is_a_possible_duplicate(client, district1, district_user):
    institution = f.InstitutionFactory(district=district1)
    first, _ = submit(target_kind="institution", institution=institution, category="advertising")
    second, _ = submit(target_kind="institution", institution=institution, category="prepayment_refund")
    client.force_login(district_user)
    page = client.get(f"/complaints/{second.pk}/").content.decode()
    assert first.tracking_code in page and "同一培训机构" in page


def test_the_inbox_searches_by_tracking_code_text_and_date_range(
    client, district1, district_user, django_assert_max_num_queries
):
    a, _ = submit(target_kind="other", target_text="阳光培训班", district=district1, description="周末补数学课")
    b, _ = submit(target_kind="other", target_text="星星托管", district=district1, description="晚上十点还在上课")
    Complaint.objects.filter(pk=b.pk).update(received_on=dt.date(2026, 10, 1))
    client.force_login(district_user)

    def found(**query):
        with django_assert_max_num_queries(10):
            html = client.get("/complaints/inbox/", query).content.decode()
        return {x.tracking_code for x in (a, b) if x.tracking_code in html}

    assert found(q=a.tracking_code.lower()) == {a.tracking_code}
    assert found(q=f"{b.tracking_code[:6]}-{b.tracking_code[6:]}") == {b.tracking_code}
    assert found(q="补数学") == {a.tracking_code}
    assert found(q="星星") == {b.tracking_code}
    assert found(received_after="2026-10-01", received_before="2026-10-02") == {b.tracking_code}
    assert found(received_after=(timezone.localdate() - dt.timedelta(days=1)).isoformat()) == {a.tracking_code}
    # the search keeps what was typed
    assert 'value="补数学"' in client.get("/complaints/inbox/", {"q": "补数学"}).content.decode()
