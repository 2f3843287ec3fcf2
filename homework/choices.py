from django.db import models
from django.utils.translation import gettext_lazy as _


class HomeworkKind(models.TextChoices):
    """The four kinds of homework the filing contract knows (书面、口头、实践、阅读)."""

    WRITTEN = "written", _("书面")
    ORAL = "oral", _("口头")
    PRACTICAL = "practical", _("实践")
    READING = "reading", _("阅读")


#: the most minutes a single item may carry: more is a typing error, not homework
MAX_ITEM_MINUTES = 300
#: the most items one API call or one upload may file
MAX_BATCH = 5000
