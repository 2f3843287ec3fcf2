"""Choices of the complaints app: targets, categories, departments, states, channels, and the state machine.

The tables below are keyed by the choices' members and typed by ``str``: they are looked up with the
plain strings a model field holds (a member equals its value).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TargetKind(models.TextChoices):
    INSTITUTION = "institution", _("校外培训机构")
    SCHOOL = "school", _("学校")
    TEACHER = "teacher", _("学校教师")
    OTHER = "other", _("其他")


class Category(models.TextChoices):
    EXCESSIVE_HOMEWORK = "excessive_homework", _("作业过多")
    HOMEWORK_FOR_PARENTS = "homework_for_parents", _("给家长布置作业或要求家长批改")
    HOLIDAY_OR_LATE_TRAINING = "holiday_or_late_training", _("节假日或夜间培训")
    PAID_TUTORING = "paid_tutoring", _("在职教师有偿补课")
    PREPAYMENT_REFUND = "prepayment_refund", _("预收费或退费问题")
    ADVERTISING = "advertising", _("校外培训广告")
    UNLICENSED = "unlicensed", _("无证办学")
    OTHER = "other", _("其他")


#: the rule a category's upheld complaint is recorded under (the handler may pick another of ``CATEGORY_RULE_CHOICES``)
CATEGORY_RULE: dict[str, str] = {
    Category.EXCESSIVE_HOMEWORK: "HW-5-G36",
    Category.HOMEWORK_FOR_PARENTS: "HW-4-PARENT",
    Category.HOLIDAY_OR_LATE_TRAINING: "TI-13-HOLIDAY",
    Category.PAID_TUTORING: "TE-26-PAID",
    Category.PREPAYMENT_REFUND: "TI-15-PREPAY",
    Category.ADVERTISING: "TI-16-AD",
    Category.UNLICENSED: "TI-12-UNLICENSED",
    Category.OTHER: "",
}

CATEGORY_RULE_CHOICES: dict[str, tuple[str, ...]] = {
    Category.EXCESSIVE_HOMEWORK: ("HW-5-G12", "HW-5-G36", "HW-5-G79"),
    Category.HOLIDAY_OR_LATE_TRAINING: ("TI-13-HOLIDAY", "TI-13-LATE-OFFLINE", "TI-13-LATE-ONLINE"),
}

#: the excessive-homework rule by the grade band of the class, when the complainant gives a grade
HOMEWORK_RULE_BY_BAND: dict[str, str] = {"G12": "HW-5-G12", "G36": "HW-5-G36", "G79": "HW-5-G79"}


class Department(models.TextChoices):
    """The department that handles a complaint (主管部门, Art. 28)."""

    EDUCATION = "education", _("教育部门")
    CULTURE_TOURISM = "culture_tourism", _("文化和旅游部门")
    SPORTS = "sports", _("体育部门")
    SCIENCE_TECHNOLOGY = "science_technology", _("科技部门")
    MARKET_REGULATION = "market_regulation", _("市场监管部门")


class State(models.TextChoices):
    RECEIVED = "received", _("已收到")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")
    INVESTIGATING = "investigating", _("调查中")
    RESOLVED = "resolved", _("已办结")
    CLOSED = "closed", _("已关闭")


#: what staff may do from each state
TRANSITIONS: dict[str, tuple[State, ...]] = {
    State.RECEIVED: (State.ACCEPTED, State.REJECTED),
    State.ACCEPTED: (State.INVESTIGATING,),
    State.INVESTIGATING: (State.RESOLVED,),
    State.RESOLVED: (State.CLOSED,),
    State.REJECTED: (),
    State.CLOSED: (),
}

#: states from which the complainant may ask, once, to reopen, and where a reopened complaint goes
REOPEN_TO: dict[str, State] = {
    State.REJECTED: State.RECEIVED,
    State.RESOLVED: State.INVESTIGATING,
    State.CLOSED: State.INVESTIGATING,
}

#: states whose next deadline is the acceptance deadline / the resolution deadline
AWAITING_ACCEPT = (State.RECEIVED,)
AWAITING_RESOLVE = (State.ACCEPTED, State.INVESTIGATING)


class Channel(models.TextChoices):
    WEB = "web", _("网上投诉")
    HOTLINE = "hotline_12345", _("12345热线")
    EMAIL = "email", _("电子邮件")
    PHONE = "phone", _("电话")
    LETTER = "letter", _("来信")


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("提交")
    TRANSITION = "transition", _("状态变更")
    REROUTED = "rerouted", _("转办")
    ASSIGNED = "assigned", _("分配承办人")
    TEACHER_MATCHED = "teacher", _("核实在职教师")
    REOPENED = "reopened", _("投诉人申请重新处理")
    DEADLINE = "deadline", _("办理时限")
    PURGED = "purged", _("个人信息已删除")
