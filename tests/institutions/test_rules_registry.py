"""Registration rules (TI-12-NEWSUBJ/NONPROFIT/ONLINE, TI-14-*, TE-26-PAID, TI-17-CAPITAL, TI-31-*): the state of the
registry, undated findings, one per institution or per course / trainer / staff member."""

import datetime as dt

import pytest

from compliance.models import Finding
from compliance.registry import all_rules, get_rule
from compliance.services import sweep_rule_district
from tests.factories import InstitutionFactory, SchoolFactory, SchoolTeacherFactory

from .rule_factories import (
    RuleCourseFactory,
    RuleForeignStaffFactory,
    RuleTrainerFactory,
    disclose_all,
    sweep,
)

pytestmark = pytest.mark.django_db

CUTOFF = dt.date(2021, 7, 24)


def flagged(rule_id, district, key="institution_id"):
    findings = sweep(rule_id, district)
    assert all(f.period_start is None for f in findings)
    return {f.institution_id if key == "institution_id" else f.evidence[key] for f in findings}


def test_every_rule_of_the_catalogue_is_registered():
    ids = {
        "TI-12-NEWSUBJ",
        "TI-12-NONPROFIT",
        "TI-12-UNLICENSED",
        "TI-12-SITE",
        "TI-12-ONLINE",
        "TI-13-HOLIDAY",
        "TI-13-SCHOOLHOURS",
        "TI-13-LATE-OFFLINE",
        "TI-13-LATE-ONLINE",
        "TI-13-ONLINE-LEN",
        "TI-13-ONLINE-GAP",
        "TI-14-CERT",
        "TI-14-NONSUBJ",
        "TI-14-FOREIGN-CURR",
        "TI-14-ADVANCED",
        "TI-14-FOREIGN-STAFF",
        "TI-14-DISCLOSURE",
        "TI-14-POACH",
        "TI-15-PRICE",
        "TI-15-FILING",
        "TI-15-PREPAY",
        "TI-17-CAPITAL",
        "TI-18-BLACKLIST",
        "TI-31-PRESCHOOL-ONLINE",
        "TI-31-PRESCHOOL-SUBJ",
        "TI-31-NEW-PRESCHOOL",
        "TE-26-PAID",
    }
    rules = {r.id: r for r in all_rules()}
    assert ids <= set(rules)
    for rule_id in ids:
        r = rules[rule_id]
        assert r.kind == "auto" and r.func.__doc__ and r.title_zh and r.title_en and r.hint_zh and r.hint_en
    assert {rules[i].kind for i in ("TI-15-CONTRACT", "TI-16-AD")} == {"case"}
    assert {i for i in ids if rules[i].severity == "high"} == {
        "TI-12-UNLICENSED",
        "TI-13-HOLIDAY",
        "TI-13-LATE-OFFLINE",
        "TI-13-LATE-ONLINE",
        "TI-17-CAPITAL",
        "TI-18-BLACKLIST",
        "TI-31-PRESCHOOL-ONLINE",
        "TI-31-PRESCHOOL-SUBJ",
        "TI-31-NEW-PRESCHOOL",
    }


# -- Art. 12 ------------------------------------------------------------------------------------


def test_newsubj_approved_on_the_cutoff_is_new(district1):
    before = InstitutionFactory(district=district1, approved_on=CUTOFF - dt.timedelta(days=1))
    on = InstitutionFactory(district=district1, approved_on=CUTOFF)
    InstitutionFactory(district=district1, approved_on=dt.date(2023, 1, 1), audience=["high_school"])
    InstitutionFactory(district=district1, approved_on=dt.date(2023, 1, 1), category="non_subject", domain="arts")
    both = InstitutionFactory(district=district1, approved_on=dt.date(2023, 1, 1), audience=["preschool", "compulsory"])
    assert flagged("TI-12-NEWSUBJ", district1) == {on.pk, both.pk}
    assert before.pk


def test_nonprofit_for_retained_subject_institutions(district1):
    profit = InstitutionFactory(district=district1, nonprofit=False)
    InstitutionFactory(district=district1, nonprofit=True)
    InstitutionFactory(district=district1, nonprofit=False, category="non_subject", domain="sports")
    InstitutionFactory(district=district1, nonprofit=False, licence_status="revoked")  # no longer retained
    assert flagged("TI-12-NONPROFIT", district1) == {profit.pk}


def test_online_subject_institution_needs_reapproval_after_cutoff(district1):
    never = InstitutionFactory(district=district1, mode="online")
    stale = InstitutionFactory(district=district1, mode="both", reapproved_on=CUTOFF - dt.timedelta(days=1))
    InstitutionFactory(district=district1, mode="online", reapproved_on=CUTOFF)
    InstitutionFactory(district=district1, mode="offline")
    InstitutionFactory(district=district1, mode="online", category="non_subject", domain="science")
    assert flagged("TI-12-ONLINE", district1) == {never.pk, stale.pk}


# -- Art. 14 ------------------------------------------------------------------------------------


def test_cert_trainer_without_certificate_on_a_subject_course(district1, institution):
    no_cert = RuleTrainerFactory(institution=institution, certificate_no="")
    RuleCourseFactory(institution=institution, subject="english").trainers.add(no_cert)
    RuleCourseFactory(institution=institution, subject="maths").trainers.add(no_cert)
    RuleCourseFactory(institution=institution, subject="arts").trainers.add(
        RuleTrainerFactory(institution=institution, certificate_no="")
    )  # arts needs no certificate
    RuleCourseFactory(institution=institution, subject="maths").trainers.add(
        RuleTrainerFactory(institution=institution)
    )
    [f] = sweep("TI-14-CERT", district1)
    assert f.evidence["trainer_id"] == no_cert.pk
    assert sorted(c["subject"] for c in f.evidence["courses"]) == ["english", "maths"]


def test_nonsubj_foreign_curriculum_and_advanced_courses(district1, institution):
    arts = InstitutionFactory(district=district1, category="non_subject", domain="arts")
    maths_at_arts = RuleCourseFactory(institution=arts, subject="maths")
    RuleCourseFactory(institution=arts, subject="fine_arts")
    assert flagged("TI-14-NONSUBJ", district1, "course_id") == {maths_at_arts.pk}

    foreign = RuleCourseFactory(institution=institution, foreign_curriculum=True)
    assert flagged("TI-14-FOREIGN-CURR", district1, "course_id") == {foreign.pk}

    ahead = RuleCourseFactory(institution=institution, content_grade=6, min_grade=5, max_grade=6)
    RuleCourseFactory(institution=institution, content_grade=5, min_grade=5, max_grade=6)
    bridging = RuleCourseFactory(institution=institution, content_grade=1, min_grade=0, max_grade=0)
    findings = sweep("TI-14-ADVANCED", district1)
    assert {f.evidence["course_id"] for f in findings} == {ahead.pk, bridging.pk}
    assert {f.evidence["content_grade"] for f in findings} == {6, 1}


def test_foreign_staff_needs_a_permit_and_must_be_in_china(district1, institution):
    RuleForeignStaffFactory(institution=institution)
    no_permit = RuleForeignStaffFactory(institution=institution, work_permit_no="")
    abroad = RuleForeignStaffFactory(institution=institution, in_china=False)
    findings = sweep("TI-14-FOREIGN-STAFF", district1)
    assert {f.evidence["staff_id"]: f.evidence["problems"] for f in findings} == {
        no_permit.pk: ["no_work_permit"],
        abroad.pk: ["abroad"],
    }


class TestDisclosure:
    def test_a_fully_disclosed_institution_is_clean(self, district1, institution):
        disclose_all(institution)
        RuleCourseFactory(institution=institution).trainers.add(RuleTrainerFactory(institution=institution))
        RuleForeignStaffFactory(institution=institution)
        assert sweep("TI-14-DISCLOSURE", district1) == []

    def test_missing_items_are_listed_in_one_finding(self, district1, institution):
        disclose_all(institution)
        institution.disclosures.filter(item="refund_standard").update(published=False)
        institution.disclosures.filter(item="fee_account").delete()
        no_photo = RuleTrainerFactory(institution=institution, photo="", classes_taught="")
        hidden = RuleCourseFactory(institution=institution, disclosed=False)
        staff = RuleForeignStaffFactory(institution=institution, disclosed=False)
        [f] = sweep("TI-14-DISCLOSURE", district1)
        missing = f.evidence["missing"]
        assert [m["item"] for m in missing] == ["refund_standard", "fee_account", "trainer", "course", "foreign_staff"]
        assert missing[2] == {**missing[2], "trainer_id": no_photo.pk, "missing": ["photo", "classes_taught"]}
        assert missing[3]["course_id"] == hidden.pk
        assert missing[4] == {**missing[4], "staff_id": staff.pk, "missing": ["disclosed"]}
        assert "5 项" in f.summary

    def test_non_subject_institutions_are_outside_the_disclosure_system(self, district1):
        InstitutionFactory(district=district1, category="non_subject", domain="sports")
        assert sweep("TI-14-DISCLOSURE", district1) == []


class TestPoaching:
    def test_trainer_with_a_serving_teachers_certificate(self, district1, district2, institution):
        school_b = SchoolFactory(district=district2)
        teacher = SchoolTeacherFactory(school=school_b, certificate_no="20201101234567890")
        trainer = RuleTrainerFactory(institution=institution, certificate_no="20201101234567890")
        RuleTrainerFactory(institution=institution, certificate_no="")
        SchoolTeacherFactory(school=school_b, certificate_no="")  # blank numbers never match each other
        RuleTrainerFactory(institution=institution)

        [poach] = sweep("TI-14-POACH", district1)
        assert poach.institution_id == institution.pk and poach.district_id == district1.pk
        assert poach.evidence["trainer"]["trainer_id"] == trainer.pk
        assert poach.evidence["teacher"] == {
            **poach.evidence["teacher"],
            "teacher_id": teacher.pk,
            "school_id": school_b.pk,
        }

        # the teacher's finding belongs to the teacher's district, not the institution's
        assert sweep("TE-26-PAID", district1) == []
        [paid] = sweep("TE-26-PAID", district2)
        assert paid.teacher_id == teacher.pk and paid.school_id == school_b.pk
        assert paid.institution_id is None
        assert paid.evidence["trainer"]["institution"] == institution.name

    def test_a_retired_or_departed_teacher_is_not_a_serving_teacher(self, district1, institution, school_a):
        SchoolTeacherFactory(school=school_a, certificate_no="R1", status="retired", left_on=dt.date(2025, 7, 1))
        SchoolTeacherFactory(school=school_a, certificate_no="L1", status="left", left_on=dt.date(2026, 9, 1))
        RuleTrainerFactory(institution=institution, certificate_no="R1")
        RuleTrainerFactory(institution=institution, certificate_no="L1")
        assert sweep("TI-14-POACH", district1) == []
        assert sweep("TE-26-PAID", district1) == []

    def test_a_serving_teacher_raises_both_sides_with_their_status(self, district1, institution, school_a):
        teacher = SchoolTeacherFactory(school=school_a, certificate_no="S1")
        RuleTrainerFactory(institution=institution, certificate_no="S1")
        [poach] = sweep("TI-14-POACH", district1)
        [paid] = sweep("TE-26-PAID", district1)
        for f in (poach, paid):
            assert f.evidence["teacher"] == {
                **f.evidence["teacher"],
                "teacher_id": teacher.pk,
                "status": "serving",
                "status_label": "在职",
                "left_on": None,
            }
            assert f.evidence["serving_on"] == "2026-11-09"

    def test_serving_status_is_judged_on_the_last_day_of_the_range(self, district1, institution, school_a):
        # recorded as left from 2026-11-12: still serving on the 11th, no longer on the 12th
        teacher = SchoolTeacherFactory(
            school=school_a, certificate_no="T1", status="left", left_on=dt.date(2026, 11, 12)
        )
        RuleTrainerFactory(institution=institution, certificate_no="T1")
        [poach] = sweep("TI-14-POACH", district1, "2026-11-09", "2026-11-11")
        [paid] = sweep("TE-26-PAID", district1, "2026-11-09", "2026-11-11")
        assert paid.teacher_id == teacher.pk
        assert poach.evidence["teacher"]["status"] == "left" and poach.evidence["teacher"]["left_on"] == "2026-11-12"
        assert sweep("TI-14-POACH", district1, "2026-11-10", "2026-11-12") == []
        assert sweep("TE-26-PAID", district1, "2026-11-10", "2026-11-12") == []
        poach.refresh_from_db()
        paid.refresh_from_db()
        assert (poach.status, paid.status) == ("cleared", "cleared")

    def test_te_26_paid_respects_a_school_subset(self, district1, institution, school_a):
        other_school = SchoolFactory(district=district1)
        SchoolTeacherFactory(school=other_school, certificate_no="C1")
        RuleTrainerFactory(institution=institution, certificate_no="C1")
        sweep_rule_district(
            rule=get_rule("TE-26-PAID"),
            district=district1,
            date_from=dt.date(2026, 11, 9),
            date_to=dt.date(2026, 11, 9),
            school_ids=frozenset({school_a.pk}),
        )
        assert not Finding.objects.filter(rule_id="TE-26-PAID").exists()
        assert len(sweep("TE-26-PAID", district1)) == 1


# -- Art. 17, 31 --------------------------------------------------------------------------------


def test_capital_rules_for_subject_institutions(district1):
    listed = InstitutionFactory(district=district1, listed=True)
    vie = InstitutionFactory(district=district1, foreign_controlled=True, capital_raised=True)
    InstitutionFactory(district=district1)
    InstitutionFactory(district=district1, listed=True, category="non_subject", domain="sports")
    findings = sweep("TI-17-CAPITAL", district1)
    assert {f.institution_id: f.evidence["problems"] for f in findings} == {
        listed.pk: ["listed"],
        vie.pk: ["capital_raised", "foreign_controlled"],
    }


def test_preschool_online_and_offline_subject_courses(district1, institution):
    online_kids = RuleCourseFactory(
        institution=institution,
        subject="music",
        mode="online",
        lesson_minutes=20,
        content_grade=0,
        min_grade=0,
        max_grade=0,
    )
    RuleCourseFactory(institution=institution, mode="online", lesson_minutes=30)  # grade 5 online
    assert flagged("TI-31-PRESCHOOL-ONLINE", district1, "course_id") == {online_kids.pk}

    english = RuleCourseFactory(
        institution=institution, name="幼儿英语启蒙", subject="english", content_grade=0, min_grade=0, max_grade=0
    )
    thinking = RuleCourseFactory(
        institution=institution, name="思维训练班", subject="maths", content_grade=0, min_grade=0, max_grade=1
    )
    RuleCourseFactory(institution=institution, subject="fine_arts", content_grade=0, min_grade=0, max_grade=0)
    assert flagged("TI-31-PRESCHOOL-SUBJ", district1, "course_id") == {english.pk, thinking.pk}


def test_new_preschool_or_high_school_subject_institutions(district1):
    after = dt.date(2022, 5, 1)
    kids = InstitutionFactory(
        district=district1, category="non_subject", domain="arts", audience=["preschool"], approved_on=after
    )
    senior = InstitutionFactory(district=district1, audience=["high_school"], approved_on=CUTOFF)
    InstitutionFactory(district=district1, audience=["high_school"], approved_on=CUTOFF - dt.timedelta(days=1))
    InstitutionFactory(
        district=district1, category="non_subject", domain="sports", audience=["high_school"], approved_on=after
    )
    InstitutionFactory(district=district1, audience=["preschool"], approved_on=None)
    assert flagged("TI-31-NEW-PRESCHOOL", district1) == {kids.pk, senior.pk}


def test_registration_finding_is_cleared_when_the_registry_is_corrected(district1):
    inst = InstitutionFactory(district=district1, listed=True)
    [f] = sweep("TI-17-CAPITAL", district1, "2026-11-09")
    inst.listed = False
    inst.save()
    # an undated finding is in every sweep's scope, whatever its dates
    assert sweep("TI-17-CAPITAL", district1, "2026-12-01") == []
    f.refresh_from_db()
    assert f.status == "cleared"
