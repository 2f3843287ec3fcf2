"""The funds pages: public refund request and tracking, the institution's answer, district staff turning a request
into a complaint, the overview's risk list, account registration with history, the public look-up's warning."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import AuditEvent
from funds.models import Attendance, BankStatement, RefundRequest, SupervisedAccount
from notifications.models import Notification
from tests.institutions.factories import CourseFactory

from .factories import FundsPrepaymentFactory, lesson

pytestmark = pytest.mark.django_db


def browser(user=None):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def paid(account, institution):
    return FundsPrepaymentFactory(course=CourseFactory(institution=institution))


def submit(paid, **over):
    data = {
        "institution": paid.course.institution.name,
        "receipt_no": paid.receipt_no,
        "contact_phone": "138 0013 8000",
        "contact_name": "王女士",
        "reason": "孩子转学",
    }
    data.update(over)
    return browser().post("/refund/", data)


class TestPublicRefund:
    def test_request_gives_code_and_secret_and_tracking_shows_the_state(self, paid, district_user, institution_user):
        response = submit(paid)
        assert response.status_code == 200
        refund = RefundRequest.objects.get()
        assert refund.tracking_code.startswith("TF")
        secret = response.context["secret"]
        assert refund.contact_phone == "138 0013 8000"
        from django.db import connection

        with connection.cursor() as cursor:  # stored encrypted, as a complainant's phone is
            cursor.execute("SELECT contact_phone FROM funds_refundrequest")
            assert "0013" not in cursor.fetchone()[0]
        # the institution and the district are told
        assert Notification.objects.filter(recipient=institution_user).exists()
        assert Notification.objects.filter(recipient=district_user).exists()
        track = browser().post("/refund/track/", {"tracking_code": refund.tracking_code.lower(), "secret": secret})
        assert track.context["refund"] == refund
        assert "已申请" in track.content.decode()

    def test_wrong_secret_shows_nothing(self, paid):
        submit(paid)
        refund = RefundRequest.objects.get()
        track = browser().post("/refund/track/", {"tracking_code": refund.tracking_code, "secret": "WRONG"})
        assert track.context["refund"] is None
        assert "查询码或查询密码不正确" in track.content.decode()

    def test_unknown_receipt_keeps_what_was_typed(self, paid):
        response = submit(paid, receipt_no="NOPE-1")
        assert response.status_code == 400
        assert "该机构没有这个收据编号" in response.content.decode()
        assert 'value="138 0013 8000"' in response.content.decode()
        assert not RefundRequest.objects.exists()

    def test_one_open_request_per_prepayment(self, paid):
        submit(paid)
        assert submit(paid).status_code == 400
        assert RefundRequest.objects.count() == 1


class TestAnswer:
    def test_institution_accepts_with_an_amount(self, paid, institution_user):
        submit(paid)
        refund = RefundRequest.objects.get()
        page = browser(institution_user)
        response = page.post(f"/funds/refunds/{refund.pk}/", {"decision": "accept", "amount": "2000.00"})
        assert response.status_code == 302
        refund.refresh_from_db()
        assert (refund.state, refund.amount) == ("accepted", Decimal("2000.00"))
        assert AuditEvent.objects.filter(object_type__icontains="refundrequest", action="status_change").exists()

    def test_refusing_needs_a_reason(self, paid, institution_user):
        submit(paid)
        refund = RefundRequest.objects.get()
        response = browser(institution_user).post(f"/funds/refunds/{refund.pk}/", {"decision": "refuse", "reason": ""})
        assert response.status_code == 400
        assert "请说明拒绝理由" in response.content.decode()
        refund.refresh_from_db()
        assert refund.state == "requested"

    def test_more_than_was_prepaid_is_refused(self, paid, institution_user):
        submit(paid)
        refund = RefundRequest.objects.get()
        response = browser(institution_user).post(
            f"/funds/refunds/{refund.pk}/", {"decision": "accept", "amount": "3000.01"}
        )
        assert response.status_code == 400
        assert "不超过预收金额" in response.content.decode()

    def test_district_staff_may_not_answer_but_may_make_it_a_complaint(self, paid, district_user):
        submit(paid)
        refund = RefundRequest.objects.get()
        staff = browser(district_user)
        assert staff.post(f"/funds/refunds/{refund.pk}/", {"decision": "accept", "amount": "1"}).status_code == 403
        response = staff.post(f"/funds/refunds/{refund.pk}/complaint/")
        assert response.status_code == 302
        refund.refresh_from_db()
        assert refund.complaint is not None
        assert refund.complaint.category == "prepayment_refund"
        assert refund.complaint.institution_id == refund.institution_id
        assert refund.complaint.contact_phone == "138 0013 8000"


class TestOverview:
    def test_risk_list_ranks_by_shortfall(self, account, institution, district_user, bank):
        from tests.factories import InstitutionFactory

        from .factories import AccountFactory

        p = FundsPrepaymentFactory(course=CourseFactory(institution=institution))
        Attendance.objects.create(session=lesson(p.course, "2026-11-10"), prepayment=p)  # 2900 undelivered
        BankStatement.objects.create(
            account=account, statement_date=dt.date(2026, 11, 10), closing_balance=Decimal("2800"), source="file"
        )
        worse = InstitutionFactory(district=institution.district)
        AccountFactory(institution=worse, bank=bank)
        FundsPrepaymentFactory(course=CourseFactory(institution=worse))  # 3000 undelivered, nothing held
        response = browser(district_user).get("/funds/")
        assert response.status_code == 200
        risks = [r["institution"] for r in response.context["risks"]]
        assert risks == [worse, institution]
        assert [r["shortfall"] for r in response.context["risks"]] == [Decimal("3000.00"), Decimal("100.00")]
        data = response.context["data"]
        assert data["held"] == Decimal("2800") and data["undelivered"] == Decimal("5900.00")

    def test_schools_and_institutions_may_not_open_it(self, institution_user):
        assert browser(institution_user).get("/funds/").status_code == 403


class TestAccounts:
    def test_a_change_keeps_the_old_account(self, account, institution, district_user, bank):
        response = browser(district_user).post(
            "/funds/accounts/new/",
            {
                "institution": institution.pk,
                "bank": bank.pk,
                "account_no": "6222000000000001",
                "agreement_no": "JG-2026-NEW",
                "agreement_signed_on": "2026-11-20",
                "opened_on": "2026-12-01",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        old, new = SupervisedAccount.objects.filter(institution=institution).order_by("opened_on")
        assert old.closed_on == dt.date(2026, 11, 30) and new.closed_on is None
        assert AuditEvent.objects.filter(action="update", object_type__icontains="supervisedaccount").exists()

    def test_another_districts_institution_is_not_offered(self, district2, bank):
        from tests import factories as f

        other_staff = f.user_with_role("district", username="d2-funds", district=district2)
        response = browser(other_staff).get("/funds/accounts/new/")
        assert list(response.context["form"].fields["institution"].queryset) == []


class TestLookup:
    def test_black_listed_institution_holding_prepaid_money_is_flagged(self, paid, institution):
        institution.list_status = "black"
        institution.save()
        page = browser().get(f"/lookup/{institution.credit_code}/").content.decode()
        assert "仍持有家长预交的未上课时费用" in page
        assert "预收费纳入资金监管" in page

    def test_no_warning_when_nothing_is_owed(self, account, institution):
        institution.list_status = "black"
        institution.save()
        page = browser().get(f"/lookup/{institution.credit_code}/").content.decode()
        assert "仍持有家长预交" not in page
