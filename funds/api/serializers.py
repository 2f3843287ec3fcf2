from rest_framework import serializers

from ..choices import LineKind
from ..models import BankStatement, RefundRequest, SupervisedAccount


class SupervisedAccountSerializer(serializers.ModelSerializer):
    bank_name = serializers.CharField(source="bank.name", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)

    class Meta:
        model = SupervisedAccount
        fields = [
            "id",
            "institution",
            "institution_name",
            "bank",
            "bank_name",
            "account_no",
            "agreement_no",
            "agreement_signed_on",
            "opened_on",
            "closed_on",
        ]
        read_only_fields = fields


class BankStatementSerializer(serializers.ModelSerializer):
    account_no = serializers.CharField(source="account.account_no", read_only=True)
    line_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = BankStatement
        fields = ["id", "account", "account_no", "statement_date", "closing_balance", "source", "line_count"]
        read_only_fields = fields


class RefundRequestSerializer(serializers.ModelSerializer):
    """Staff view of a request: never the parent's contact details (the pages reveal them to whom may see)."""

    receipt_no = serializers.CharField(source="prepayment.receipt_no", read_only=True)

    class Meta:
        model = RefundRequest
        fields = [
            "id",
            "tracking_code",
            "institution",
            "prepayment",
            "receipt_no",
            "state",
            "requested_on",
            "due_on",
            "decided_on",
            "amount",
            "refusal_reason",
            "paid_on",
            "complaint",
        ]
        read_only_fields = fields


class StatementLineInSerializer(serializers.Serializer):
    txn_id = serializers.CharField(max_length=40)
    kind = serializers.ChoiceField(choices=LineKind.choices)
    value_date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    reference = serializers.CharField(max_length=40)
    session_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)


class StatementInSerializer(serializers.Serializer):
    """A day's statement of one supervised account, as a custodian bank's system posts it."""

    account_no = serializers.CharField(max_length=40)
    statement_date = serializers.DateField()
    closing_balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    lines = StatementLineInSerializer(many=True, allow_empty=False, max_length=5000)


class StatementResultSerializer(serializers.Serializer):
    statements = serializers.IntegerField()
    created_statements = serializers.IntegerField()
    lines = serializers.IntegerField()
    skipped_lines = serializers.IntegerField()
