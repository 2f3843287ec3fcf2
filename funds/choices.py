from django.db import models
from django.utils.translation import gettext_lazy as _


class LineKind(models.TextChoices):
    DEPOSIT = "deposit", _("存入")
    RELEASE = "release", _("划拨")
    REFUND = "refund", _("退费")


class StatementSource(models.TextChoices):
    FILE = "file", _("文件导入")
    API = "api", _("银行接口")


class RefundState(models.TextChoices):
    REQUESTED = "requested", _("已申请")
    ACCEPTED = "accepted", _("已同意")
    REFUSED = "refused", _("已拒绝")
    PAID = "paid", _("已退款")


#: a request still waiting for the institution's answer or for the bank's payment
OPEN_REFUND_STATES = (RefundState.REQUESTED, RefundState.ACCEPTED)
