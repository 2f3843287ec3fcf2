"""Journey: a parent asks for a refund on a phone, the institution accepts it, the bank's statement with the refund
is imported, and the parent's tracking page shows it paid."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from funds.models import Bank, RefundRequest, SupervisedAccount
from tests import factories as f
from tests.funds.factories import FundsPrepaymentFactory
from tests.institutions.factories import CourseFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_parent_refund_is_accepted_paid_by_the_bank_and_tracked(live_server, open_page, login, shot, tmp_path):
    district = f.district("110101")
    inst = f.InstitutionFactory(name="启航学科培训学校", district=district)
    bank = Bank.objects.create(code="ICBC-E2E", name="中国工商银行北京市分行")
    account = SupervisedAccount.objects.create(
        institution=inst,
        bank=bank,
        account_no="6222000000009999",
        agreement_no="JG-E2E-1",
        agreement_signed_on=dt.date(2026, 8, 20),
        opened_on=dt.date(2026, 9, 1),
    )
    paid = FundsPrepaymentFactory(
        course=CourseFactory(institution=inst), receipt_no="SJ20261102", amount=Decimal("3000")
    )
    f.user_with_role("institution", username="inst-e2e", institution=inst)
    f.user_with_role("district", username="district-e2e", district=district)

    # the parent, on a phone, with no account
    phone = open_page("phone")
    phone.goto(f"{live_server.url}/refund/")
    phone.get_by_label("培训机构名称或统一社会信用代码").fill("启航学科培训学校")
    phone.get_by_label("收据编号").fill("SJ20261102")
    phone.get_by_label("联系电话").fill("13800138000")
    phone.get_by_label("退费原因（可不填）").fill("孩子转学，剩余课时申请退费")
    shot(phone, "21-refund-request-phone")
    phone.get_by_role("button", name="提交申请").click()
    phone.get_by_role("heading", name="退费申请已提交").wait_for()
    code = phone.get_by_test_id("code").inner_text().strip()
    secret = phone.get_by_test_id("secret").inner_text().strip()
    assert code.startswith("TF") and len(secret) == 12
    shot(phone, "22-refund-submitted-phone")

    # the institution accepts it with the amount
    staff = open_page("desktop")
    login(staff, "inst-e2e")
    staff.goto(f"{live_server.url}/funds/refunds/")
    staff.get_by_role("link", name=code).click()
    staff.get_by_label("同意退费").check()
    staff.get_by_label("同意退款金额（元）").fill("2000.00")
    staff.get_by_role("button", name="提交答复").click()
    assert staff.get_by_test_id("state").inner_text() == "已同意"
    shot(staff, "23-refund-accepted-institution")

    # the bank's statement with the refund is imported by district staff
    today = timezone.localdate().isoformat()
    statement = tmp_path / "statement.csv"
    statement.write_text(
        "监管账号,对账日期,日终余额,银行流水号,类型,交易日期,金额,参考号,课次编号\n"
        f"{account.account_no},{today},1000.00,RF-E2E-1,退费,{today},2000.00,{code},\n",
        encoding="utf-8",
    )
    bureau = open_page("desktop")
    login(bureau, "district-e2e")
    bureau.goto(f"{live_server.url}/funds/statements/import/")
    bureau.get_by_label("文件（.xlsx 或 .csv，不超过 5 MB）").set_input_files(str(statement))
    bureau.get_by_role("button", name="检查并导入").click()
    bureau.get_by_text("导入成功").wait_for()
    shot(bureau, "24-statement-imported-district")
    assert RefundRequest.objects.get(tracking_code=code).state == "paid"

    # the parent's tracking page shows it paid
    phone.goto(f"{live_server.url}/refund/track/")
    phone.get_by_label("查询码").fill(code)
    phone.get_by_label("查询密码").fill(secret)
    phone.get_by_role("button", name="查询").click()
    assert phone.get_by_test_id("state").inner_text() == "已退款"
    body = phone.locator("main").inner_text()
    assert "2000.00" in body and today in body
    shot(phone, "25-refund-paid-phone")
    assert paid.refund_requests.get().amount == Decimal("2000.00")
