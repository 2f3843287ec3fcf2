from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What a notification is about (通知类别)."""

    NOTICE_RECEIVED = "notice_received", _("收到整改通知")
    REPORT_TO_REVIEW = "report_to_review", _("待复核的整改报告")
    DEADLINE_SOON = "deadline_soon", _("整改期限将至")
    OVERDUE = "overdue", _("整改逾期")
    COMPLAINT_ASSIGNED = "complaint_assigned", _("新分派的投诉")
    REPORT_RETURNED = "report_returned", _("整改报告被退回")
    REPORT_ACCEPTED = "report_accepted", _("整改已通过复核")
    MONTH_REPORT_SUBMITTED = "month_report_submitted", _("区月报待审核")
    MONTH_REPORT_DECIDED = "month_report_decided", _("区月报审核结果")
    CORRECTION_REQUESTED = "correction_requested", _("待审批的更正申请")
    CORRECTION_DECIDED = "correction_decided", _("更正申请已审批")
    OTHER = "other", _("其他")


class EmailState(models.TextChoices):
    """Where a notification's e-mail stands (邮件状态)."""

    NOT_WANTED = "not_wanted", _("不发送")
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败，将重试")
