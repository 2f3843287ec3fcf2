"""The funds API: a custodian bank posts statements for its own accounts (its token reads nothing); staff read
accounts, statements and refund requests in their scope."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsBankRole
from shuangjian.api import ScopedReadOnlyViewSet
from shuangjian.errors import ServiceError

from .. import filtersets as fs
from ..models import BankStatement, RefundRequest, SupervisedAccount
from ..services import StatementRejected, statement_post
from . import serializers as s


class SupervisedAccountViewSet(ScopedReadOnlyViewSet):
    queryset = SupervisedAccount.objects.select_related("institution", "bank")
    serializer_class = s.SupervisedAccountSerializer
    filterset_class = fs.SupervisedAccountFilterSet
    ordering_fields = ["opened_on", "account_no"]


class BankStatementViewSet(ScopedReadOnlyViewSet):
    queryset = BankStatement.objects.select_related("account")
    serializer_class = s.BankStatementSerializer
    filterset_class = fs.BankStatementFilterSet
    ordering_fields = ["statement_date"]

    def get_queryset(self):
        from django.db.models import Count

        return super().get_queryset().annotate(line_count=Count("lines")).order_by("-statement_date", "id")


class RefundRequestViewSet(ScopedReadOnlyViewSet):
    queryset = RefundRequest.objects.select_related("prepayment")
    serializer_class = s.RefundRequestSerializer
    filterset_class = fs.RefundRequestFilterSet
    ordering_fields = ["requested_on", "due_on"]


class BankStatementPostView(APIView):
    """POST a day's statement of one of the bank's accounts: 201 with what was saved; the same statement again
    changes nothing (transactions are identified by their bank ID); an account of another bank is 404; a row in
    error saves nothing (400, ``fields`` keyed "row N" counting the lines from 1)."""

    permission_classes = [IsBankRole]

    def initial(self, request, *args, **kwargs):
        # a method the view does not answer is a 405 for everyone, before the bank-only permission says 403
        if request.method.lower() not in ("post", "options"):
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    @extend_schema(request=s.StatementInSerializer, responses={201: s.StatementResultSerializer})
    def post(self, request):
        incoming = s.StatementInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            result = statement_post(bank_user=request.user, payload=incoming.validated_data, request=request)
        except StatementRejected as exc:
            fields: dict[str, list] = {}
            for e in exc.rows:
                fields.setdefault(f"row {e['row']}", []).append(f"{e['field']}: {e['message']}")
            raise ServiceError(exc.message, code="import_invalid", fields=fields) from exc
        data = s.StatementResultSerializer(result).data
        return Response(data, status=status.HTTP_201_CREATED if result.lines or result.created_statements else 200)
