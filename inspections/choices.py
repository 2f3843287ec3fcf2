from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionKind(models.TextChoices):
    ROUTINE = "routine", _("日常检查")
    COMPLAINT = "complaint", _("投诉核查")
    SPECIAL = "special", _("专项检查")


class ItemResult(models.TextChoices):
    COMPLIANT = "compliant", _("合规")
    VIOLATION = "violation", _("违规")
    NOT_CHECKED = "not_checked", _("未检查")


class SubjectType(models.TextChoices):
    """What an inspection looked at: a registered school or institution, or premises not in the registry."""

    SCHOOL = "school", _("学校")
    INSTITUTION = "institution", _("培训机构")
    PLACE = "place", _("未登记场所")
