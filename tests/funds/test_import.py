"""Statement import: files (CSV, XLSX) and the bank API; idempotent by transaction ID; one bad row saves nothing."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from rest_framework.test import APIClient

from funds.imports import COLUMNS, statement_file_import
from funds.models import BankStatement, StatementLine
from funds.services import StatementRejected
from tests import factories as f
from tests.institutions.factories import CourseFactory

from .factories import AccountFactory, BankFactory, FundsPrepaymentFactory, lesson

pytestmark = pytest.mark.django_db

HEADER = ",".join(str(c.label) for c in COLUMNS)


def csv_file(rows, encoding="utf-8", name="statement.csv"):
    text = "\n".join([HEADER, *(",".join(r) for r in rows)]) + "\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


@pytest.fixture
def paid(account, institution):
    course = CourseFactory(institution=institution)
    return FundsPrepaymentFactory(course=course)


def rows_for(account, paid, *, session=None):
    rows = [[account.account_no, "2026-11-10", "2900.00", "T1", "存入", "2026-11-10", "3000.00", paid.receipt_no, ""]]
    if session is not None:
        rows.append(
            [
                account.account_no,
                "2026-11-10",
                "2900.00",
                "T2",
                "划拨",
                "2026-11-10",
                "100.00",
                paid.receipt_no,
                str(session.pk),
            ]
        )
    return rows


class TestFile:
    def test_csv_statement_saves_lines_and_balance(self, account, paid, district_user):
        session = lesson(paid.course, "2026-11-10")
        result = statement_file_import(actor=district_user, file=csv_file(rows_for(account, paid, session=session)))
        assert (result.created_statements, result.lines) == (1, 2)
        statement = BankStatement.objects.get(account=account)
        assert statement.closing_balance == Decimal("2900.00")
        assert set(statement.lines.values_list("kind", flat=True)) == {"deposit", "release"}
        assert StatementLine.objects.get(txn_id="T2").session == session

    def test_importing_the_same_statement_twice_changes_nothing(self, account, paid, district_user):
        statement_file_import(actor=district_user, file=csv_file(rows_for(account, paid)))
        before = list(StatementLine.objects.values_list("id", "txn_id", "amount"))
        again = statement_file_import(actor=district_user, file=csv_file(rows_for(account, paid)))
        assert (again.lines, again.skipped_lines, again.created_statements) == (0, 1, 0)
        assert list(StatementLine.objects.values_list("id", "txn_id", "amount")) == before
        assert BankStatement.objects.count() == 1

    def test_one_bad_row_saves_nothing_and_names_the_row(self, account, paid, district_user):
        rows = rows_for(account, paid) + [
            [account.account_no, "2026-11-10", "2900.00", "T9", "存入", "2026-11-10", "-5", paid.receipt_no, ""]
        ]
        with pytest.raises(StatementRejected) as exc:
            statement_file_import(actor=district_user, file=csv_file(rows))
        assert exc.value.rows == [{"row": 3, "field": "amount", "message": "金额须大于0"}]
        assert not StatementLine.objects.exists() and not BankStatement.objects.exists()

    def test_xlsx_with_gbk_free_layout(self, account, paid, district_user):
        wb = Workbook()
        ws = wb.active
        ws.append([str(c.label) for c in COLUMNS])
        for r in rows_for(account, paid):
            ws.append(r)
        buf = io.BytesIO()
        wb.save(buf)
        upload = SimpleUploadedFile("s.xlsx", buf.getvalue())
        assert statement_file_import(actor=district_user, file=upload).lines == 1

    def test_an_institution_may_not_import_its_own_statement(self, account, paid, institution_user):
        from shuangjian.errors import ForbiddenError

        with pytest.raises(ForbiddenError):
            statement_file_import(actor=institution_user, file=csv_file(rows_for(account, paid)))

    def test_refund_line_marks_the_request_paid(self, account, paid, district_user, institution_user):
        from funds.services import refund_decide, refund_request_submit

        refund, _secret = refund_request_submit(
            institution=account.institution, receipt_no=paid.receipt_no, contact_phone="13800001111"
        )
        refund_decide(actor=institution_user, refund=refund, accept=True, amount="2000.00")
        rows = [
            [
                account.account_no,
                "2026-12-04",
                "1000.00",
                "RF1",
                "退费",
                "2026-12-04",
                "2000.00",
                refund.tracking_code,
                "",
            ]
        ]
        statement_file_import(actor=district_user, file=csv_file(rows))
        refund.refresh_from_db()
        assert refund.state == "paid"
        assert str(refund.paid_on) == "2026-12-04"


class TestBankApi:
    def client(self, user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {f.api_token(user)}")
        return client

    def payload(self, account, paid):
        return {
            "account_no": account.account_no,
            "statement_date": "2026-11-10",
            "closing_balance": "3000.00",
            "lines": [
                {
                    "txn_id": "A1",
                    "kind": "deposit",
                    "value_date": "2026-11-10",
                    "amount": "3000.00",
                    "reference": paid.receipt_no,
                }
            ],
        }

    def test_bank_posts_its_own_account_and_twice_is_a_no_op(self, account, paid, bank_user):
        client = self.client(bank_user)
        first = client.post("/api/v1/funds/bank/statements/", self.payload(account, paid), format="json")
        assert first.status_code == 201, first.content
        assert first.json()["lines"] == 1
        second = client.post("/api/v1/funds/bank/statements/", self.payload(account, paid), format="json")
        assert second.status_code == 200
        assert second.json() == {"statements": 1, "created_statements": 0, "lines": 0, "skipped_lines": 1}
        assert StatementLine.objects.count() == 1

    def test_another_banks_account_is_not_found(self, paid, bank_user, institution):
        other_bank = BankFactory(code="OTHER")
        other = AccountFactory(institution=CourseFactory().institution, bank=other_bank)
        response = self.client(bank_user).post(
            "/api/v1/funds/bank/statements/", self.payload(other, paid), format="json"
        )
        assert response.status_code == 404
        assert not StatementLine.objects.exists()

    @pytest.mark.parametrize(
        "url",
        [
            "/api/v1/funds/accounts/",
            "/api/v1/funds/statements/",
            "/api/v1/funds/refunds/",
            "/api/v1/institutions/",
            "/api/v1/complaints/",
        ],
    )
    def test_the_bank_token_reads_nothing(self, bank_user, url):
        assert self.client(bank_user).get(url).status_code == 403

    def test_staff_may_not_post_as_a_bank(self, account, paid, district_user):
        response = self.client(district_user).post(
            "/api/v1/funds/bank/statements/", self.payload(account, paid), format="json"
        )
        assert response.status_code == 403

    def test_a_bad_line_names_it_and_saves_nothing(self, account, paid, bank_user):
        body = self.payload(account, paid)
        body["lines"].append(
            {
                "txn_id": "A2",
                "kind": "release",
                "value_date": "2026-11-10",
                "amount": "100.00",
                "reference": paid.receipt_no,
            }
        )
        response = self.client(bank_user).post("/api/v1/funds/bank/statements/", body, format="json")
        assert response.status_code == 400
        assert "row 2" in response.json()["fields"]
        assert not BankStatement.objects.exists()


def test_an_import_asks_for_a_sweep_of_the_days_it_concerns(account, paid, district_user, monkeypatch):
    import compliance.services as compliance_services
    from compliance.models import SweepRequest

    monkeypatch.setattr(compliance_services.sweeps, "_schedule_pending_sweep", lambda: None)
    session = lesson(paid.course, "2026-11-10")
    statement_file_import(actor=district_user, file=csv_file(rows_for(account, paid, session=session)))
    asked = set(SweepRequest.objects.values_list("topic", "date", "district_id"))
    district = account.institution.district_id
    assert ("funds.statementline", dt.date(2026, 11, 10), district) in asked
    assert ("funds.bankstatement", None, district) in asked
