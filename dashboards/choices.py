"""Choices of the dashboards app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportState(models.TextChoices):
    """Where a district's monthly report (月报) stands: a returned report is a draft again, with the reason kept."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")
    ACCEPTED = "accepted", _("已通过")


class ReportTransition(models.TextChoices):
    """The steps of a monthly report, as the API's actions and the report page's buttons name them."""

    REFRESH = "refresh", _("重新汇总")
    SUBMIT = "submit", _("报送市教委")
    ACCEPT = "accept", _("通过")
    RETURN = "return", _("退回")
    REOPEN = "reopen", _("重新开放")
