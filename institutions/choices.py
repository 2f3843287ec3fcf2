from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    SUBJECT = "subject", _("学科类")
    NON_SUBJECT = "non_subject", _("非学科类")


class Domain(models.TextChoices):
    ACADEMIC = "academic", _("学科")
    ARTS = "arts", _("文化艺术")
    SPORTS = "sports", _("体育")
    SCIENCE = "science", _("科技")
    OTHER = "other", _("其他")


class Audience(models.TextChoices):
    PRESCHOOL = "preschool", _("学龄前")
    COMPULSORY = "compulsory", _("义务教育")
    HIGH_SCHOOL = "high_school", _("普通高中")


class Mode(models.TextChoices):
    ONLINE = "online", _("线上")
    OFFLINE = "offline", _("线下")
    BOTH = "both", _("线上线下")


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("有效")
    EXPIRED = "expired", _("已过期")
    REVOKED = "revoked", _("已吊销")
    NONE = "none", _("无证")


class ListStatus(models.TextChoices):
    WHITE = "white", _("白名单")
    BLACK = "black", _("黑名单")
    NONE = "none", _("未列入")


class SessionMode(models.TextChoices):
    """How one course (or one lesson of it) is delivered."""

    ONLINE = "online", _("线上")
    OFFLINE = "offline", _("线下")


class DisclosureItem(models.TextChoices):
    """What an institution must publish (teachers, courses and foreign staff have their own `disclosed` flag)."""

    LICENCE = "licence", _("办学许可证")
    FEE_STANDARD = "fee_standard", _("收费标准")
    REFUND_STANDARD = "refund_standard", _("退费办法")
    FEE_ACCOUNT = "fee_account", _("收费账户")
