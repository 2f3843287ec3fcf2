"""The state machine: every legal transition, the illegal ones refused, reopening once, linked case findings."""

import pytest

from complaints.choices import TRANSITIONS, State
from complaints.models import ComplaintEvent
from complaints.services import complaint_reopen, complaint_transition
from compliance.models import Finding
from shuangjian.errors import ServiceError
from tests import factories as f

from .helpers import submit

pytestmark = pytest.mark.django_db


def _walk(complaint, actor, to):
    """Move ``complaint`` along the happy path until it is in state ``to``."""
    path = {
        State.RECEIVED: [],
        State.ACCEPTED: ["accepted"],
        State.REJECTED: ["rejected"],
        State.INVESTIGATING: ["accepted", "investigating"],
        State.RESOLVED: ["accepted", "investigating", "resolved"],
        State.CLOSED: ["accepted", "investigating", "resolved", "closed"],
    }[to]
    for step in path:
        complaint = complaint_transition(
            complaint=complaint,
            to_state=step,
            actor=actor,
            reason="不属于受理范围",
            outcome="已核实处理",
            upheld=False,
            note=f"→{step}",
        )
    return complaint


def test_happy_path_records_every_step(district1, district_user, as_user):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1)
    client = as_user(district_user)
    for step, extra in [
        ("accepted", {}),
        ("investigating", {"note": "已约谈", "public": True}),
        ("resolved", {"outcome": "已责令停止", "upheld": False}),
        ("closed", {}),
    ]:
        r = client.post(f"/api/v1/complaints/{c.pk}/transition/", {"to_state": step, **extra}, format="json")
        assert r.status_code == 200, r.json()
        assert r.json()["state"] == step
    c.refresh_from_db()
    assert c.responded_at and c.resolve_due and c.resolved_at and c.closed_at
    events = list(ComplaintEvent.objects.filter(complaint=c, kind="transition"))
    assert [e.to_state for e in events] == ["accepted", "investigating", "resolved", "closed"]
    assert all(e.actor == district_user and e.at for e in events)
    assert [e.public for e in events] == [False, True, False, False]


ILLEGAL = [(s, t) for s in State.values for t in State.values if t not in TRANSITIONS[s]]


@pytest.mark.parametrize(("start", "target"), ILLEGAL)
def test_illegal_transitions_are_refused(district1, district_user, start, target):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1)
    c = _walk(c, district_user, start)
    with pytest.raises(ServiceError) as exc:
        complaint_transition(complaint=c, to_state=target, actor=district_user, reason="x", outcome="x", upheld=False)
    assert exc.value.code == "illegal_transition"
    c.refresh_from_db()
    assert c.state == start


def test_illegal_transition_through_the_api_is_a_400(district1, district_user, as_user):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1)
    r = as_user(district_user).post(f"/api/v1/complaints/{c.pk}/transition/", {"to_state": "resolved"}, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "illegal_transition"


def test_reject_needs_a_reason_which_the_complainant_sees(district1, district_user, api):
    c, secret = submit(target_kind="other", target_text="培训班", district=district1)
    with pytest.raises(ServiceError):
        complaint_transition(complaint=c, to_state="rejected", actor=district_user)
    complaint_transition(complaint=c, to_state="rejected", actor=district_user, reason="不属于双减监管范围")
    body = api.post(
        "/api/v1/complaints/track/", {"tracking_code": c.tracking_code, "secret": secret}, format="json"
    ).json()
    assert body["state"] == "rejected"
    assert any(e["note"] == "不属于双减监管范围" for e in body["events"])


def test_resolve_needs_outcome_and_verdict(district1, district_user):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1)
    c = _walk(c, district_user, State.INVESTIGATING)
    with pytest.raises(ServiceError) as exc:
        complaint_transition(complaint=c, to_state="resolved", actor=district_user)
    assert set(exc.value.fields) == {"outcome", "upheld"}


def test_upheld_complaint_links_a_case_finding_under_the_category_rule(district1, school_a, district_user, case_rules):
    teacher = f.SchoolTeacherFactory(school=school_a)
    c, _ = submit(target_kind="teacher", school=school_a, teacher=teacher, category="paid_tutoring")
    c = _walk(c, district_user, State.INVESTIGATING)
    c = complaint_transition(complaint=c, to_state="resolved", actor=district_user, outcome="查实收费补课", upheld=True)
    finding = Finding.objects.get(pk=c.finding_id)
    assert (finding.rule_id, finding.kind, finding.teacher, finding.school) == ("TE-26-PAID", "case", teacher, school_a)
    assert finding.evidence["complaint"] == c.tracking_code
    assert c.rule_id == "TE-26-PAID"


def test_excessive_homework_rule_follows_the_grade(district1, school_a, district_user, case_rules):
    c, _ = submit(target_kind="school", school=school_a, category="excessive_homework", grade=8)
    c = _walk(c, district_user, State.INVESTIGATING)
    c = complaint_transition(complaint=c, to_state="resolved", actor=district_user, outcome="属实", upheld=True)
    assert c.finding.rule_id == "HW-5-G79"


def test_upheld_other_complaint_needs_a_rule(district1, district_user):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1, category="other")
    c = _walk(c, district_user, State.INVESTIGATING)
    with pytest.raises(ServiceError) as exc:
        complaint_transition(complaint=c, to_state="resolved", actor=district_user, outcome="属实", upheld=True)
    assert "rule_id" in exc.value.fields


@pytest.mark.parametrize(
    ("start", "back_to"), [("rejected", "received"), ("resolved", "investigating"), ("closed", "investigating")]
)
def test_complainant_may_reopen_once(district1, district_user, api, start, back_to):
    c, secret = submit(target_kind="other", target_text="培训班", district=district1)
    c = _walk(c, district_user, start)
    r = api.post(
        "/api/v1/complaints/track/reopen/",
        {"tracking_code": c.tracking_code, "secret": secret, "note": "问题仍然存在"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["state"] == back_to
    c.refresh_from_db()
    assert c.reopen_count == 1
    c = _walk_back(c, district_user, back_to)
    with pytest.raises(ServiceError) as exc:
        complaint_reopen(complaint=c)
    assert exc.value.code == "reopen_used"


def _walk_back(c, actor, state):
    if state == "received":
        return complaint_transition(complaint=c, to_state="rejected", actor=actor, reason="仍不予受理")
    return complaint_transition(complaint=c, to_state="resolved", actor=actor, outcome="复查完毕", upheld=False)


def test_open_complaint_cannot_be_reopened(district1):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1)
    with pytest.raises(ServiceError):
        complaint_reopen(complaint=c)


def test_reopen_with_wrong_secret_is_not_found(district1, district_user, api):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1)
    _walk(c, district_user, "rejected")
    r = api.post(
        "/api/v1/complaints/track/reopen/", {"tracking_code": c.tracking_code, "secret": "WRONGWRONG22"}, format="json"
    )
    assert r.status_code == 404


def test_another_district_cannot_see_or_move_a_complaint(district1, district2_user, school_user, as_user):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1)
    for user in (district2_user, school_user):
        client = as_user(user)
        assert client.get(f"/api/v1/complaints/{c.pk}/").status_code in (403, 404)
        assert client.post(
            f"/api/v1/complaints/{c.pk}/transition/", {"to_state": "accepted"}, format="json"
        ).status_code in (403, 404)
    assert as_user(district2_user).get(f"/api/v1/complaints/{c.pk}/").status_code == 404
    assert as_user(district2_user).get("/api/v1/complaints/").json()["count"] == 0
    c.refresh_from_db()
    assert c.state == "received"


def test_city_staff_may_move_a_complaint(district1, city_user, as_user):
    c, _ = submit(target_kind="other", target_text="培训班", district=district1)
    r = as_user(city_user).post(f"/api/v1/complaints/{c.pk}/transition/", {"to_state": "accepted"}, format="json")
    assert r.status_code == 200


def test_staff_link_the_named_teacher_to_a_serving_teacher(school_a, school_b, district_user, as_user):
    c, _ = submit(target_kind="teacher", school=school_a, teacher_name="张老师", category="paid_tutoring")
    mine = f.SchoolTeacherFactory(school=school_a, name="张伟")
    elsewhere = f.SchoolTeacherFactory(school=school_b)
    client = as_user(district_user)
    r = client.post(f"/api/v1/complaints/{c.pk}/match-teacher/", {"teacher": elsewhere.pk}, format="json")
    assert r.status_code == 400
    r = client.post(f"/api/v1/complaints/{c.pk}/match-teacher/", {"teacher": mine.pk}, format="json")
    assert r.status_code == 200 and r.json()["teacher"] == mine.pk
    event = c.events.get(kind="teacher")
    assert "张老师" in event.note and "张伟" in event.note and not event.public
