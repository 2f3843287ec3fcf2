"""Prepaid funds under supervision (Art. 15): custodian banks, supervised accounts, their daily statements,
the lessons each pupil attended, and parents' refund requests."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedQuerySet
from complaints.crypto import EncryptedTextField, mask_name, mask_phone

from .choices import LineKind, RefundState, StatementSource


class Bank(models.Model):
    """A custodian bank (存管银行) holding supervised accounts; its system posts statements with a bank token."""

    name = models.CharField(_("银行名称"), max_length=80)
    code = models.CharField(_("银行代码"), max_length=20, unique=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"bank": "id"}

    class Meta:
        ordering = ["code"]
        verbose_name = _("存管银行")
        verbose_name_plural = _("存管银行")

    def __str__(self):
        return self.name


class SupervisedAccount(models.Model):
    """A registered supervised account (资金监管账户) of an institution. One current account per institution
    (``closed_on`` empty); a change closes it and registers the next, so the history stays."""

    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="supervised_accounts",
        verbose_name=_("培训机构"),
    )
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("存管银行"))
    account_no = models.CharField(_("监管账号"), max_length=40)
    agreement_no = models.CharField(_("监管协议编号"), max_length=60)
    agreement_signed_on = models.DateField(_("协议签订日期"))
    opened_on = models.DateField(_("启用日期"))
    closed_on = models.DateField(_("停用日期"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    registered_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "institution__district_id", "institution": "institution_id", "bank": "bank_id"}

    class Meta:
        ordering = ["institution_id", "-opened_on", "-id"]
        verbose_name = _("资金监管账户")
        verbose_name_plural = _("资金监管账户")
        constraints = [
            models.UniqueConstraint(
                fields=["institution"],
                condition=Q(closed_on__isnull=True),
                name="supervisedaccount_one_current",
                violation_error_message=_("该机构已有在用的监管账户"),
            ),
            models.UniqueConstraint(
                fields=["bank", "account_no"],
                name="supervisedaccount_unique_number",
                violation_error_message=_("该银行已登记此账号"),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="supervisedaccount_dates_order",
                violation_error_message=_("停用日期不能早于启用日期"),
            ),
        ]

    def __str__(self):
        return f"{self.bank_id}:{self.account_no}"


class BankStatement(models.Model):
    """One day's statement of a supervised account, as the bank sent it."""

    account = models.ForeignKey(
        SupervisedAccount, on_delete=models.PROTECT, related_name="statements", verbose_name=_("监管账户")
    )
    statement_date = models.DateField(_("对账日期"))
    closing_balance = models.DecimalField(_("日终余额（元）"), max_digits=14, decimal_places=2)
    source = models.CharField(_("来源"), max_length=8, choices=StatementSource.choices)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {
        "district": "account__institution__district_id",
        "institution": "account__institution_id",
        "bank": "account__bank_id",
    }

    class Meta:
        ordering = ["-statement_date", "account_id"]
        verbose_name = _("银行对账单")
        verbose_name_plural = _("银行对账单")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "statement_date"],
                name="bankstatement_one_per_day",
                violation_error_message=_("该账户当日已有对账单"),
            ),
            models.CheckConstraint(
                condition=Q(closing_balance__gte=0),
                name="bankstatement_balance_non_negative",
                violation_error_message=_("日终余额不能为负"),
            ),
        ]

    def __str__(self):
        return f"{self.account_id} {self.statement_date}"


class StatementLine(models.Model):
    """One transaction of a statement: a deposit (→ the prepayment, by the payer reference = its receipt number),
    a release (→ the session delivered) or a refund (→ the refund request, by its tracking code)."""

    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(SupervisedAccount, on_delete=models.PROTECT, related_name="lines")
    txn_id = models.CharField(_("银行流水号"), max_length=40)
    kind = models.CharField(_("类型"), max_length=8, choices=LineKind.choices)
    value_date = models.DateField(_("交易日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    reference = models.CharField(_("业务参考号"), max_length=40)
    prepayment = models.ForeignKey(
        "institutions.Prepayment", on_delete=models.PROTECT, null=True, blank=True, related_name="statement_lines"
    )
    session = models.ForeignKey(
        "institutions.Session", on_delete=models.PROTECT, null=True, blank=True, related_name="releases"
    )
    refund = models.ForeignKey(
        "funds.RefundRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = {
        "district": "account__institution__district_id",
        "institution": "account__institution_id",
        "bank": "account__bank_id",
    }

    class Meta:
        ordering = ["statement_id", "id"]
        verbose_name = _("对账单明细")
        verbose_name_plural = _("对账单明细")
        indexes = [models.Index(fields=["account", "kind", "value_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "txn_id"],
                name="statementline_unique_txn",
                violation_error_message=_("银行流水号重复"),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="statementline_amount_positive",
                violation_error_message=_("金额须大于0"),
            ),
            models.CheckConstraint(
                condition=Q(kind=LineKind.DEPOSIT, prepayment__isnull=False, session__isnull=True, refund__isnull=True)
                | Q(kind=LineKind.RELEASE, session__isnull=False, prepayment__isnull=False, refund__isnull=True)
                | Q(kind=LineKind.REFUND, refund__isnull=False, session__isnull=True),
                name="statementline_target_matches_kind",
                violation_error_message=_("流水类型与关联对象不符"),
            ),
        ]

    def __str__(self):
        return self.txn_id


class Attendance(models.Model):
    """A pupil (the holder of a prepayment of the session's course) attended a session: a lesson delivered."""

    session = models.ForeignKey("institutions.Session", on_delete=models.CASCADE, related_name="attendance")
    prepayment = models.ForeignKey("institutions.Prepayment", on_delete=models.CASCADE, related_name="attendance")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {
        "district": "session__course__institution__district_id",
        "institution": "session__course__institution_id",
    }

    class Meta:
        ordering = ["session_id", "prepayment_id"]
        verbose_name = _("上课记录")
        verbose_name_plural = _("上课记录")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "prepayment"],
                name="attendance_once_per_session",
                violation_error_message=_("该学员本课次已登记"),
            )
        ]

    def __str__(self):
        return f"{self.session_id}/{self.prepayment_id}"


class RefundRequest(models.Model):
    """A parent's request to refund the undelivered lessons of a prepayment; followed with a tracking code and
    a secret (only its hash is stored), the contact kept encrypted as a complaint's is."""

    tracking_code = models.CharField(_("查询码"), max_length=12, unique=True)
    secret_hash = models.CharField(max_length=128)
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="refund_requests", verbose_name=_("培训机构")
    )
    prepayment = models.ForeignKey(
        "institutions.Prepayment", on_delete=models.PROTECT, related_name="refund_requests", verbose_name=_("预收费")
    )
    district = models.ForeignKey("schools.District", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("退费原因"), blank=True)
    contact_name = EncryptedTextField(_("联系人"), blank=True)
    contact_phone = EncryptedTextField(_("联系电话"))
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    state = models.CharField(_("状态"), max_length=10, choices=RefundState.choices, default=RefundState.REQUESTED)
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    requested_on = models.DateField(_("申请日期"))
    due_on = models.DateField(_("办结期限"), null=True, blank=True)
    decided_on = models.DateField(_("答复日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    amount = models.DecimalField(_("同意退款金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    refusal_reason = models.TextField(_("拒绝理由"), blank=True)
    paid_on = models.DateField(_("退款日期"), null=True, blank=True)
    complaint = models.OneToOneField(
        "complaints.Complaint", on_delete=models.SET_NULL, null=True, blank=True, related_name="refund_request"
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id", "institution": "institution_id"}

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("退费申请")
        verbose_name_plural = _("退费申请")
        indexes = [models.Index(fields=["district", "requested_on"]), models.Index(fields=["due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=RefundState.ACCEPTED) | Q(amount__gt=0),
                name="refund_accepted_has_amount",
                violation_error_message=_("同意退费须填写退款金额"),
            ),
            models.CheckConstraint(
                condition=~Q(state=RefundState.REFUSED) | ~Q(refusal_reason=""),
                name="refund_refused_has_reason",
                violation_error_message=_("拒绝退费须说明理由"),
            ),
            models.CheckConstraint(
                condition=~Q(state=RefundState.PAID) | Q(paid_on__isnull=False, amount__gt=0),
                name="refund_paid_has_date",
                violation_error_message=_("已退款须有退款日期和金额"),
            ),
        ]

    def __str__(self):
        return self.tracking_code

    @property
    def masked_name(self) -> str:
        return mask_name(self.contact_name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.contact_phone)
