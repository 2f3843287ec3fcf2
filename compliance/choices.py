from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    HIGH = "high", _("严重")
    MEDIUM = "medium", _("一般")
    LOW = "low", _("轻微")


class SubjectKind(models.TextChoices):
    CLASS = "class", _("班级")
    SCHOOL = "school", _("学校")
    INSTITUTION = "institution", _("培训机构")
    TEACHER = "teacher", _("教师")
    DISTRICT = "district", _("区")


class RuleDays(models.TextChoices):
    """Which days a dated rule looks at, so the schedule knows what to sweep each night."""

    SCHOOL = "school", _("上学日")
    EVERY = "every", _("每天（含周末、节假日、寒暑假）")
    OWN = "own", _("检查对象自身的日期")


class RuleKind(models.TextChoices):
    AUTO = "auto", _("自动检查")
    CASE = "case", _("人工立案")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    NOTIFIED = "notified", _("已通知")
    RECTIFYING = "rectifying", _("整改中")
    SUBMITTED = "rectification_submitted", _("已提交整改报告")
    RECTIFIED = "rectified", _("已整改")
    DISMISSED = "dismissed", _("已驳回")
    CLEARED = "cleared", _("已消除")


#: statuses of a finding still being dealt with
ACTIVE_STATUSES = (FindingStatus.OPEN, FindingStatus.NOTIFIED, FindingStatus.RECTIFYING, FindingStatus.SUBMITTED)
#: statuses of a finding the bureau is handling (under a rectification notice): data that no longer shows the
#: violation does not clear it; it is marked "data corrected" for the reviewer
HANDLED_STATUSES = (FindingStatus.NOTIFIED, FindingStatus.RECTIFYING, FindingStatus.SUBMITTED)

#: what a school or institution may set on its own finding by hand: that it is rectifying. It answers a notice with
#: a report; only bureau staff decide a finding is rectified (by accepting the report).
SUBJECT_STATUSES = frozenset({FindingStatus.RECTIFYING})

#: status changes staff may make by hand (PATCH); a sweep sets `cleared` and reopens cleared ones
#: (keyed by ``str``: looked up with the plain string a finding's status field holds)
ALLOWED_TRANSITIONS: dict[str, set[FindingStatus]] = {
    FindingStatus.OPEN: {FindingStatus.NOTIFIED, FindingStatus.RECTIFYING, FindingStatus.DISMISSED},
    FindingStatus.NOTIFIED: {FindingStatus.RECTIFYING, FindingStatus.RECTIFIED, FindingStatus.DISMISSED},
    FindingStatus.RECTIFYING: {FindingStatus.RECTIFIED, FindingStatus.DISMISSED},
    # a submitted report is decided by the review (accept: rectified; return: rectifying), or the finding dismissed
    FindingStatus.SUBMITTED: {FindingStatus.DISMISSED},
    FindingStatus.RECTIFIED: {FindingStatus.OPEN},
    FindingStatus.DISMISSED: {FindingStatus.OPEN},
    FindingStatus.CLEARED: {FindingStatus.OPEN},
}


class RunState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("有错误")


class RunTrigger(models.TextChoices):
    API = "api", _("接口")
    PAGE = "page", _("页面")
    CLI = "cli", _("命令行")
    SCHEDULE = "schedule", _("定时任务")
    FILING = "filing", _("填报触发")
    CHANGE = "change", _("数据变更触发")


class NoticeState(models.TextChoices):
    ISSUED = "issued", _("待整改")
    SUBMITTED = "submitted", _("已提交报告，待复核")
    RETURNED = "returned", _("报告被退回，重新整改")
    ACCEPTED = "accepted", _("已通过复核，销号")


class ReportDecision(models.TextChoices):
    PENDING = "pending", _("待复核")
    ACCEPTED = "accepted", _("通过")
    RETURNED = "returned", _("退回")


#: a report in one of these states, submitted by the deadline, answers its notice in time (RX-OVERDUE, dashboards)
ANSWERED = (ReportDecision.ACCEPTED, ReportDecision.PENDING)
