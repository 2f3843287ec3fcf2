"""Writes for prepaid funds: supervised accounts, attendance, bank statements, refund requests.

Every write a rule reads asks for a sweep in its transaction (``compliance.services.sweep_after_write``):
an account change and a balance the custody rule, a release and an attendance the early-release rule, a refund
request's answer and payment the refund deadline rule.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.scoping import is_city, role_of
from complaints.crypto import normalise_phone, phone_digest, secret_hash
from complaints.services import new_secret, new_tracking_code, normalise_code
from compliance.parameters import MissingParameter, parameter_value
from compliance.services import sweep_after_write
from institutions.choices import Category
from institutions.models import Institution, Prepayment, Session
from notifications.choices import NotificationKind
from notifications.services import notify_district_staff, notify_institution
from schools.calendar import SchoolCalendar
from shuangjian.errors import ConflictError, ForbiddenError, ServiceError

from .choices import LineKind, RefundState, StatementSource
from .models import Attendance, Bank, BankStatement, RefundRequest, StatementLine, SupervisedAccount

logger = logging.getLogger(__name__)

#: the largest amount a statement line may carry (the column holds 10 digits of yuan)
MAX_AMOUNT = Decimal("9999999999.99")
MAX_BALANCE = Decimal("999999999999.99")
CENT = Decimal("0.01")
#: a line's value date may lie this many days before its statement's date (a weekend's transactions on Monday's)
VALUE_DATE_WINDOW = 31
EARLIEST_STATEMENT = dt.date(2021, 7, 24)
KIND_WORDS = {
    "deposit": LineKind.DEPOSIT,
    "存入": LineKind.DEPOSIT,
    "release": LineKind.RELEASE,
    "划拨": LineKind.RELEASE,
    "refund": LineKind.REFUND,
    "退费": LineKind.REFUND,
}


# --- who may do what ------------------------------------------------------------------------------------------


def bureau_district_id(user) -> int | None:
    """None for city staff, the district for district staff; anyone else may not manage accounts."""
    if is_city(user):
        return None
    profile = role_of(user)
    if profile is None or profile.role != Role.DISTRICT:
        raise ForbiddenError(_("只有市、区教委工作人员可以登记资金监管账户"))
    return profile.district_id


def _check_institution(user, institution: Institution) -> None:
    own = bureau_district_id(user)
    if own is not None and institution.district_id != own:
        raise ForbiddenError(_("只能管理本区机构的监管账户"))


def _sweep(topic, district_id: int, dates=()) -> None:
    sweep_after_write(topic=topic, district_ids=[district_id], dates=dates, reason="funds")


# --- supervised accounts --------------------------------------------------------------------------------------


def account_register(
    *,
    actor,
    institution: Institution,
    bank: Bank,
    account_no: str,
    agreement_no: str,
    agreement_signed_on: dt.date,
    opened_on: dt.date,
    request=None,
) -> SupervisedAccount:
    """Register the institution's supervised account; a current one is closed the day before, and kept."""
    _check_institution(actor, institution)
    errors: dict[str, list[str]] = {}
    if institution.category != Category.SUBJECT:
        errors["institution"] = [_("只有学科类培训机构登记资金监管账户")]
    account_no, agreement_no = (account_no or "").strip(), (agreement_no or "").strip()
    if not account_no:
        errors["account_no"] = [_("请填写监管账号")]
    if not agreement_no:
        errors["agreement_no"] = [_("请填写监管协议编号")]
    if agreement_signed_on and opened_on and agreement_signed_on > opened_on:
        errors["agreement_signed_on"] = [_("协议签订日期不能晚于启用日期")]
    if errors:
        raise ServiceError(_("监管账户信息有误"), fields=errors)
    with transaction.atomic():
        Institution.objects.select_for_update().get(pk=institution.pk)
        current = SupervisedAccount.objects.filter(institution=institution, closed_on__isnull=True).first()
        if current is not None:
            if opened_on <= current.opened_on:
                raise ServiceError(
                    _("新账户的启用日期须晚于现有账户的启用日期"),
                    fields={"opened_on": [_("须晚于 %(d)s") % {"d": current.opened_on}]},
                )
            current.closed_on = opened_on - dt.timedelta(days=1)
            current.save(update_fields=["closed_on"])
        if SupervisedAccount.objects.filter(bank=bank, account_no=account_no).exists():
            raise ConflictError(_("该银行已登记此账号"), fields={"account_no": [_("该银行已登记此账号")]})
        account = SupervisedAccount.objects.create(
            institution=institution,
            bank=bank,
            account_no=account_no,
            agreement_no=agreement_no,
            agreement_signed_on=agreement_signed_on,
            opened_on=opened_on,
            registered_by=actor,
        )
        audit_record(
            actor=actor,
            action="update" if current else "create",
            obj=account,
            district=institution.district,
            request=request,
            detail={
                "institution_id": institution.pk,
                "bank": bank.code,
                "account_no": account_no,
                "agreement_no": agreement_no,
                "replaces": current.pk if current else None,
            },
        )
        _sweep(SupervisedAccount, institution.district_id)
    return account


# --- attendance -------------------------------------------------------------------------------------------------


def attendance_record(*, actor, session: Session, prepayment_ids, request=None) -> int:
    """Record the enrolled pupils (their prepayments of the session's course) who attended a session."""
    profile = role_of(actor)
    institution_id = session.course.institution_id
    if not (profile and profile.role == Role.INSTITUTION and profile.institution_id == institution_id):
        raise ForbiddenError(_("只有本机构工作人员可以登记上课记录"))
    if session.starts_at > timezone.now():
        raise ServiceError(_("课次尚未开始，不能登记上课"), fields={"session": [_("课次尚未开始")]})
    ids = {int(i) for i in prepayment_ids}
    valid = set(Prepayment.objects.filter(course_id=session.course_id, pk__in=ids).values_list("pk", flat=True))
    if ids - valid:
        raise ServiceError(_("学员不属于本课程"), fields={"prepayments": [_("学员不属于本课程")]})
    with transaction.atomic():
        created = Attendance.objects.bulk_create(
            [Attendance(session=session, prepayment_id=i) for i in sorted(ids)], ignore_conflicts=True
        )
        audit_record(
            actor=actor,
            action="create",
            obj=session,
            request=request,
            detail={"attendance": sorted(ids)},
        )
        _sweep(Attendance, session.course.institution.district_id, [timezone.localdate(session.starts_at)])
    return len(created)


# --- bank statements -------------------------------------------------------------------------------------------


@dataclass
class LineIn:
    """One statement row as read from a file or a request, before it is checked."""

    row: int
    account_no: str
    statement_date: object
    closing_balance: object
    txn_id: str
    kind: str
    value_date: object
    amount: object
    reference: str
    session_id: object = None


@dataclass
class ImportResult:
    statements: int = 0
    created_statements: int = 0
    lines: int = 0
    skipped_lines: int = 0
    errors: list = field(default_factory=list)


class StatementRejected(ServiceError):
    """A statement with errors: nothing saved; ``rows`` lists ``{"row", "field", "message"}``."""

    def __init__(self, rows):
        self.rows = rows
        fields: dict[str, list[str]] = {}
        for e in rows:
            fields.setdefault(e["field"], []).append(_("第 %(row)d 行：%(message)s") % e)
        super().__init__(_("对账单有 %(n)d 处错误，未保存任何数据") % {"n": len(rows)}, fields=fields)


def _decimal(value) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or value is None:
        return None
    try:
        d = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        return None


@dataclass
class _Row:
    line: LineIn
    account: SupervisedAccount
    statement_date: dt.date
    value_date: dt.date
    balance: Decimal
    amount: Decimal
    kind: str
    txn_id: str
    reference: str


class _Errors(list):
    def add(self, row, fieldname, message):
        self.append({"row": row, "field": fieldname, "message": str(message)})

    def raise_any(self):
        if self:
            raise StatementRejected(list(self))


def _check_dates(line: LineIn, errors: _Errors, today: dt.date):
    sdate, vdate = _date(line.statement_date), _date(line.value_date)
    if sdate is None:
        errors.add(line.row, "statement_date", _("日期格式应为 YYYY-MM-DD"))
    elif not EARLIEST_STATEMENT <= sdate <= today:
        errors.add(line.row, "statement_date", _("对账日期超出范围（%(a)s 至今天）") % {"a": EARLIEST_STATEMENT})
    if vdate is None:
        errors.add(line.row, "value_date", _("日期格式应为 YYYY-MM-DD"))
    elif sdate and not (sdate - dt.timedelta(days=VALUE_DATE_WINDOW) <= vdate <= sdate):
        errors.add(line.row, "value_date", _("交易日期须在对账日期前 %(n)d 天之内") % {"n": VALUE_DATE_WINDOW})
    return sdate, vdate


def _check_amounts(line: LineIn, errors: _Errors):
    balance, amount = _decimal(line.closing_balance), _decimal(line.amount)
    if balance is None:
        errors.add(line.row, "closing_balance", _("请填写数字"))
    elif not Decimal(0) <= balance <= MAX_BALANCE or balance != balance.quantize(CENT):
        errors.add(line.row, "closing_balance", _("日终余额须为非负数，最多两位小数"))
    if amount is None:
        errors.add(line.row, "amount", _("请填写数字"))
    elif amount <= 0:
        errors.add(line.row, "amount", _("金额须大于0"))
    elif amount > MAX_AMOUNT or amount != amount.quantize(CENT):
        errors.add(line.row, "amount", _("金额过大或超过两位小数"))
    return balance, amount


def _check_rows(lines: list[LineIn], scope, errors: _Errors) -> list[_Row]:
    """Each row on its own: account, dates, amounts, kind, transaction ID (unique in the file), reference."""
    today = timezone.localdate()
    numbers = {(line.account_no or "").strip() for line in lines}
    by_no = {a.account_no: a for a in scope.filter(account_no__in=numbers).select_related("institution")}
    seen_txn: dict[tuple[int, str], int] = {}
    rows = []
    for line in lines:
        account = by_no.get((line.account_no or "").strip())
        if account is None:
            errors.add(line.row, "account_no", _("监管账号不存在或不属于本行"))
            continue
        sdate, vdate = _check_dates(line, errors, today)
        balance, amount = _check_amounts(line, errors)
        kind = KIND_WORDS.get(str(line.kind or "").strip().lower())
        if kind is None:
            errors.add(line.row, "kind", _("类型应为 存入/划拨/退费（deposit/release/refund）"))
        txn = str(line.txn_id or "").strip()
        if not txn or len(txn) > 40:
            errors.add(line.row, "txn_id", _("请填写银行流水号（最多40个字符）"))
        elif (account.pk, txn) in seen_txn:
            errors.add(line.row, "txn_id", _("流水号与第 %(r)d 行重复") % {"r": seen_txn[(account.pk, txn)]})
        else:
            seen_txn[(account.pk, txn)] = line.row
        reference = str(line.reference or "").strip()[:40]
        if not reference:
            errors.add(line.row, "reference", _("请填写业务参考号"))
        rows.append(_Row(line, account, sdate, vdate, balance, amount, kind, txn, reference))
    return rows


def _check_balances(rows: list[_Row], errors: _Errors):
    """One closing balance per statement, the same as a statement already imported for that account and day."""
    balances: dict[tuple[int, dt.date], tuple[Decimal, int]] = {}
    for r in rows:
        key = (r.account.pk, r.statement_date)
        if key in balances and balances[key][0] != r.balance:
            errors.add(
                r.line.row,
                "closing_balance",
                _("同一对账单的日终余额须一致（见第 %(r)d 行）") % {"r": balances[key][1]},
            )
        balances.setdefault(key, (r.balance, r.line.row))
    existing = {
        (s.account_id, s.statement_date): s
        for s in BankStatement.objects.filter(
            account_id__in={k[0] for k in balances}, statement_date__in={k[1] for k in balances}
        )
    }
    for key, (balance, row) in balances.items():
        old = existing.get(key)
        if old is not None and old.closing_balance != balance:
            errors.add(
                row, "closing_balance", _("该账户当日对账单已导入，日终余额为 %(b)s") % {"b": old.closing_balance}
            )
    return balances, existing


class _Targets:
    """What the rows' references lead to, loaded in a few queries."""

    def __init__(self, rows: list[_Row]):
        institution_ids = {r.account.institution_id for r in rows}
        self.receipts: dict[tuple[int, str], list[Prepayment]] = {}
        for p in Prepayment.objects.filter(
            course__institution_id__in=institution_ids, receipt_no__in={r.reference for r in rows}
        ).select_related("course"):
            self.receipts.setdefault((p.course.institution_id, p.receipt_no), []).append(p)
        codes = {normalise_code(r.reference) for r in rows if r.kind == LineKind.REFUND}
        self.refunds = {
            (q.institution_id, q.tracking_code): q
            for q in (
                RefundRequest.objects.filter(institution_id__in=institution_ids, tracking_code__in=codes)
                if codes
                else ()
            )
        }
        ids = {_int(r.line.session_id) for r in rows if r.kind == LineKind.RELEASE} - {None}
        self.sessions = {s.pk: s for s in Session.objects.filter(pk__in=ids)} if ids else {}
        self.lines = {
            (ln.account_id, ln.txn_id): ln
            for ln in StatementLine.objects.filter(
                account_id__in={r.account.pk for r in rows}, txn_id__in={r.txn_id for r in rows}
            )
        }


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _link(r: _Row, new: StatementLine, targets: _Targets, errors: _Errors) -> bool:
    """Attach the prepayment, session or refund request a row names; False (and an error) when it names none."""
    institution_id = r.account.institution_id
    if r.kind in (LineKind.DEPOSIT, LineKind.RELEASE):
        found = targets.receipts.get((institution_id, r.reference), [])
        if len(found) != 1:
            errors.add(r.line.row, "reference", _("找不到收据编号为 %(r)s 的预收费") % {"r": r.reference})
            return False
        new.prepayment = found[0]
    if r.kind == LineKind.RELEASE:
        session = targets.sessions.get(_int(r.line.session_id))
        if session is None or session.course_id != new.prepayment.course_id:
            errors.add(r.line.row, "session_id", _("划拨须填写该学员所报课程的课次编号"))
            return False
        new.session = session
    if r.kind == LineKind.REFUND:
        refund = targets.refunds.get((institution_id, normalise_code(r.reference)))
        if refund is None:
            errors.add(r.line.row, "reference", _("找不到查询码为 %(r)s 的退费申请") % {"r": r.reference})
            return False
        if refund.state != RefundState.ACCEPTED:
            errors.add(r.line.row, "reference", _("退费申请 %(r)s 尚未同意或已退款") % {"r": refund.tracking_code})
            return False
        if refund.amount != r.amount:
            errors.add(r.line.row, "amount", _("退款金额应为同意的 %(a)s 元") % {"a": refund.amount})
            return False
        new.refund = refund
    return True


def _new_lines(rows: list[_Row], errors: _Errors) -> tuple[list[StatementLine], int]:
    """The lines to create; a transaction already imported is skipped when identical, an error when not."""
    targets = _Targets(rows)
    to_create, skipped = [], 0
    for r in rows:
        old = targets.lines.get((r.account.pk, r.txn_id))
        if old is not None:
            if (old.kind, old.amount, old.value_date, old.reference) != (r.kind, r.amount, r.value_date, r.reference):
                errors.add(r.line.row, "txn_id", _("流水号 %(t)s 已导入，内容不同") % {"t": r.txn_id})
            skipped += 1
            continue
        new = StatementLine(
            account=r.account,
            txn_id=r.txn_id,
            kind=r.kind,
            value_date=r.value_date,
            amount=r.amount,
            reference=r.reference,
        )
        if _link(r, new, targets, errors):
            new._key = (r.account.pk, r.statement_date)
            to_create.append(new)
    return to_create, skipped


def _save(*, actor, source, rows, balances, existing, to_create, result, request):
    accounts = {r.account.pk: r.account for r in rows}
    user = actor if getattr(actor, "is_authenticated", False) else None
    statements = dict(existing)
    missing = [key for key in balances if key not in statements]
    if missing:
        created = BankStatement.objects.bulk_create(
            [
                BankStatement(
                    account_id=key[0],
                    statement_date=key[1],
                    closing_balance=balances[key][0],
                    source=source,
                    imported_by=user,
                )
                for key in missing
            ]
        )
        statements.update({(s.account_id, s.statement_date): s for s in created})
        result.created_statements = len(created)
    for new in to_create:
        new.statement = statements[new._key]
    StatementLine.objects.bulk_create(to_create, batch_size=2000)
    paid = [ln for ln in to_create if ln.refund is not None]
    for ln in paid:
        RefundRequest.objects.filter(pk=ln.refund_id, state=RefundState.ACCEPTED).update(
            state=RefundState.PAID, paid_on=ln.value_date
        )
    unlinked = {
        ln.prepayment_id: ln.account_id
        for ln in to_create
        if ln.kind == LineKind.DEPOSIT and ln.prepayment.supervised_account_id is None
    }
    for prepayment_id, account_id in unlinked.items():
        Prepayment.objects.filter(pk=prepayment_id, supervised_account__isnull=True).update(
            supervised_account_id=account_id
        )
    if not (result.created_statements or to_create):
        return
    dates: dict[int, set] = {}
    for key in balances:
        dates.setdefault(accounts[key[0]].institution.district_id, set())
    for ln in to_create:
        dates[accounts[ln.account_id].institution.district_id].add(ln.value_date)
    for district_id, days in dates.items():
        _sweep(BankStatement, district_id)
        _sweep(StatementLine, district_id, days)
    for ln in paid:
        _sweep(RefundRequest, ln.refund.district_id, [ln.refund.requested_on])
    audit_record(
        actor=user,
        actor_label="" if user else "bank",
        action="create",
        object_type="funds.bankstatement",
        request=request,
        detail={
            "source": source,
            "statements": [f"{accounts[k[0]].account_no}@{k[1]}" for k in sorted(balances)][:50],
            "lines": len(to_create),
            "skipped": result.skipped_lines,
        },
    )


def statement_import(*, actor, lines: list[LineIn], source: str, accounts=None, request=None) -> ImportResult:
    """Check every row, then save the statements they make up in one transaction, or nothing.

    Rows are grouped by (account, statement date): one statement each, the closing balance the same on all of
    its rows. A transaction ID already imported for the account is skipped when it is the same transaction, and
    refused when it differs, so importing a statement twice changes nothing. ``accounts`` limits the accounts
    (a bank token: its bank's; ``None``: what the actor may see).
    """
    if not lines:
        raise ServiceError(_("对账单没有任何交易"), fields={"lines": [_("对账单没有任何交易")]})
    errors = _Errors()
    scope = accounts if accounts is not None else SupervisedAccount.objects.visible_to(actor)
    rows = _check_rows(lines, scope, errors)
    errors.raise_any()
    balances, existing = _check_balances(rows, errors)
    to_create, skipped = _new_lines(rows, errors)
    errors.raise_any()
    result = ImportResult(statements=len(balances), lines=len(to_create), skipped_lines=skipped)
    try:
        with transaction.atomic():
            _save(
                actor=actor,
                source=source,
                rows=rows,
                balances=balances,
                existing=existing,
                to_create=to_create,
                result=result,
                request=request,
            )
    except IntegrityError as exc:  # the same statement posted at the same moment by two requests
        raise ConflictError(_("对账单正在被同时导入，请稍后重试")) from exc
    return result


def statement_post(*, bank_user, payload: dict, request=None) -> ImportResult:
    """A bank system's statement (the API): only the accounts of the token's bank; another bank's is not found."""
    from django.http import Http404

    account_no = str(payload.get("account_no") or "").strip()
    accounts = SupervisedAccount.objects.visible_to(bank_user)
    if not accounts.filter(account_no=account_no).exists():
        raise Http404
    lines = [
        LineIn(
            row=i,
            account_no=account_no,
            statement_date=payload.get("statement_date"),
            closing_balance=payload.get("closing_balance"),
            txn_id=item.get("txn_id", ""),
            kind=item.get("kind", ""),
            value_date=item.get("value_date"),
            amount=item.get("amount"),
            reference=item.get("reference", ""),
            session_id=item.get("session_id"),
        )
        for i, item in enumerate(payload.get("lines") or [], start=1)
    ]
    return statement_import(
        actor=bank_user, lines=lines, source=StatementSource.API, accounts=accounts, request=request
    )


# --- refund requests -------------------------------------------------------------------------------------------


def refund_due_on(*, district, start: dt.date) -> dt.date | None:
    """``start`` plus ``refund_working_days`` working days on the district's calendar; None when unknown."""
    try:
        days = int(parameter_value("refund_working_days", on=start))
        return SchoolCalendar(district).add_working_days(start, days)
    except (ServiceError, MissingParameter) as exc:
        logger.warning("refund deadline unknown for %s: %s", start, exc)
        return None


def refund_request_submit(
    *, institution: Institution | None, receipt_no: str, contact_phone: str, contact_name: str = "", reason: str = ""
) -> tuple[RefundRequest, str]:
    """A parent's refund request (no account): returns it with its one-time secret."""
    errors: dict[str, list[str]] = {}
    receipt_no = (receipt_no or "").strip()
    prepayment = None
    if institution is None:
        errors["institution"] = [_("请选择培训机构")]
    elif not receipt_no:
        errors["receipt_no"] = [_("请填写收据编号")]
    else:
        found = list(Prepayment.objects.filter(course__institution=institution, receipt_no=receipt_no)[:2])
        if len(found) != 1:
            errors["receipt_no"] = [_("该机构没有这个收据编号，请核对收据")]
        else:
            prepayment = found[0]
    digits = normalise_phone(contact_phone or "")
    if not 7 <= len(digits) <= 15:
        errors["contact_phone"] = [_("电话号码格式不正确")]
    if (
        prepayment is not None
        and RefundRequest.objects.filter(
            prepayment=prepayment, state__in=(RefundState.REQUESTED, RefundState.ACCEPTED)
        ).exists()
    ):
        errors["receipt_no"] = [_("这笔预收费已有办理中的退费申请")]
    if errors:
        raise ServiceError(_("退费申请有误，请检查后重新提交"), fields=errors)
    now = timezone.now()
    today = timezone.localdate(now)
    secret = new_secret()
    refund = RefundRequest(
        secret_hash=secret_hash(secret),
        institution=institution,
        prepayment=prepayment,
        district_id=institution.district_id,
        reason=(reason or "").strip()[:2000],
        contact_name=(contact_name or "").strip()[:60],
        contact_phone=(contact_phone or "").strip()[:30],
        phone_digest=phone_digest(contact_phone),
        requested_at=now,
        requested_on=today,
        due_on=refund_due_on(district=institution.district, start=today),
    )
    for _attempt in range(5):
        refund.tracking_code = new_tracking_code("TF")
        try:
            with transaction.atomic():
                refund.save()
                audit_record(
                    actor=None, actor_label="家长", action="create", obj=refund, detail={"institution": institution.pk}
                )
                notify_institution(
                    institution,
                    kind=NotificationKind.OTHER,
                    title=_("新的退费申请 %(code)s") % {"code": refund.tracking_code},
                    url=f"/funds/refunds/{refund.pk}/",
                )
                notify_district_staff(
                    institution.district,
                    kind=NotificationKind.OTHER,
                    title=_("%(name)s 收到退费申请 %(code)s")
                    % {"name": institution.name, "code": refund.tracking_code},
                    url=f"/funds/refunds/{refund.pk}/",
                    email=False,
                )
                _sweep(RefundRequest, institution.district_id, [today])
            break
        except IntegrityError:
            refund.pk = None
            if RefundRequest.objects.filter(tracking_code=refund.tracking_code).exists():
                continue
            raise
    return refund, secret


def refund_track(*, tracking_code: str, secret: str) -> RefundRequest | None:
    """The request when code and secret match (the complaints' check, about the same time either way)."""
    from complaints.selectors import tracked_by_secret

    return tracked_by_secret(
        RefundRequest.objects.select_related("institution"), tracking_code=tracking_code, secret=secret
    )


def refund_decide(
    *, actor, refund: RefundRequest, accept: bool, amount=None, reason: str = "", request=None
) -> RefundRequest:
    """The institution's answer: accept with the amount (at most what was prepaid), or refuse with a reason."""
    profile = role_of(actor)
    if not (profile and profile.role == Role.INSTITUTION and profile.institution_id == refund.institution_id):
        raise ForbiddenError(_("只有该机构工作人员可以答复退费申请"))
    with transaction.atomic():
        refund = RefundRequest.objects.select_for_update().select_related("prepayment", "institution").get(pk=refund.pk)
        if refund.state != RefundState.REQUESTED:
            raise ConflictError(_("该申请已答复"))
        if accept:
            value = _decimal(amount)
            if value is None or value <= 0 or value > refund.prepayment.amount:
                raise ServiceError(
                    _("退款金额有误"),
                    fields={"amount": [_("须大于0且不超过预收金额 %(a)s 元") % {"a": refund.prepayment.amount}]},
                )
            refund.state, refund.amount = RefundState.ACCEPTED, value.quantize(Decimal("0.01"))
        else:
            if not (reason or "").strip():
                raise ServiceError(_("请说明拒绝理由"), fields={"reason": [_("请说明拒绝理由")]})
            refund.state, refund.refusal_reason = RefundState.REFUSED, reason.strip()[:2000]
        refund.decided_on, refund.decided_by = timezone.localdate(), actor
        refund.save(update_fields=["state", "amount", "refusal_reason", "decided_on", "decided_by"])
        audit_record(
            actor=actor,
            action="status_change",
            obj=refund,
            request=request,
            detail={"state": refund.state, "amount": refund.amount},
        )
        _sweep(RefundRequest, refund.district_id, [refund.requested_on])
    return refund


def refund_to_complaint(*, actor, refund: RefundRequest, request=None):
    """District staff turn a refund request into a complaint about the institution (recorded as a phone call)."""
    from complaints.choices import Category as ComplaintCategory
    from complaints.choices import Channel, TargetKind
    from complaints.services import complaint_submit

    own = bureau_district_id(actor)
    if own is not None and refund.district_id != own:
        raise ForbiddenError(_("只能处理本区的退费申请"))
    with transaction.atomic():
        refund = RefundRequest.objects.select_for_update().select_related("institution", "prepayment").get(pk=refund.pk)
        if refund.complaint_id:
            raise ConflictError(_("该退费申请已转为投诉"))
        state = str(RefundState(refund.state).label)
        complaint, _secret = complaint_submit(
            target_kind=TargetKind.INSTITUTION,
            category=ComplaintCategory.PREPAYMENT_REFUND,
            description=_("退费申请 %(code)s（收据 %(receipt)s，%(state)s）转为投诉。%(reason)s")
            % {
                "code": refund.tracking_code,
                "receipt": refund.prepayment.receipt_no,
                "state": state,
                "reason": refund.reason,
            },
            occurred_on=refund.requested_on,
            institution=refund.institution,
            contact_name=refund.contact_name,
            contact_phone=refund.contact_phone,
            channel=Channel.PHONE,
            actor=actor,
            request=request,
        )
        refund.complaint = complaint
        refund.save(update_fields=["complaint"])
        audit_record(actor=actor, action="update", obj=refund, request=request, detail={"complaint": complaint.pk})
    return complaint


def q_open_refund() -> Q:
    return Q(state__in=(RefundState.REQUESTED, RefundState.ACCEPTED))
