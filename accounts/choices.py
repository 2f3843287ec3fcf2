from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY = "city", _("市教委工作人员")
    DISTRICT = "district", _("区教委工作人员")
    SCHOOL = "school", _("学校工作人员")
    INSTITUTION = "institution", _("培训机构工作人员")
    #: a custodian bank's system: posts its accounts' statements through the API, nothing else
    BANK = "bank", _("存管银行")


STAFF_ROLES = frozenset(Role.values) - {Role.BANK}
BUREAU_ROLES = frozenset({Role.CITY, Role.DISTRICT})
