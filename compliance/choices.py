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
    RECTIFIED = "rectified", _("已整改")
    DISMISSED = "dismissed", _("已驳回")
    CLEARED = "cleared", _("已消除")


#: statuses a sweep may clear when the data no longer shows the violation
ACTIVE_STATUSES = (FindingStatus.OPEN, FindingStatus.NOTIFIED, FindingStatus.RECTIFYING)

#: status changes staff may make by hand (PATCH); a sweep sets `cleared` and reopens cleared ones
#: (keyed by ``str``: looked up with the plain string a finding's status field holds)
ALLOWED_TRANSITIONS: dict[str, set[FindingStatus]] = {
    FindingStatus.OPEN: {FindingStatus.NOTIFIED, FindingStatus.RECTIFYING, FindingStatus.DISMISSED},
    FindingStatus.NOTIFIED: {FindingStatus.RECTIFYING, FindingStatus.RECTIFIED, FindingStatus.DISMISSED},
    FindingStatus.RECTIFYING: {FindingStatus.RECTIFIED, FindingStatus.DISMISSED},
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
