from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    PE = "pe", _("体育锻炼")
    TUTORING = "tutoring", _("作业辅导与答疑")
    SCIENCE = "science", _("科普")
    ARTS = "arts", _("文艺")
    LABOUR = "labour", _("劳动")
    READING = "reading", _("阅读")
    CLUB = "club", _("兴趣小组与社团")


class ProviderKind(models.TextChoices):
    SCHOOL_TEACHER = "school_teacher", _("本校教师")
    RETIRED_TEACHER = "retired_teacher", _("退休教师")
    VOLUNTEER = "volunteer", _("志愿者")
    INSTITUTION = "institution", _("校外机构")
