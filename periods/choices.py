from django.db import models
from django.utils.translation import gettext_lazy as _


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


#: the most class-days one correction may name, and the most rows it may carry
MAX_CLASSES = 60
MAX_ROWS = 2000
