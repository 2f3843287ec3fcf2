"""Who a user acts for: a role and the district, school or institution it is bound to."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import Role


class Profile(models.Model):
    """A staff user's role and scope (角色与管辖范围). One per user; no profile means no access."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices)
    district = models.ForeignKey(
        "schools.District", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("所属区")
    )
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("所属学校")
    )
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("所属机构")
    )

    class Meta:
        verbose_name = _("用户角色")
        verbose_name_plural = _("用户角色")
        constraints = [
            models.CheckConstraint(
                name="profile_scope_matches_role",
                condition=(
                    Q(role=Role.CITY, district__isnull=True, school__isnull=True, institution__isnull=True)
                    | Q(role=Role.DISTRICT, district__isnull=False, school__isnull=True, institution__isnull=True)
                    | Q(role=Role.SCHOOL, school__isnull=False, institution__isnull=True)
                    | Q(role=Role.INSTITUTION, institution__isnull=False, school__isnull=True)
                ),
                violation_error_message=_("角色与所属范围不一致：区教委须指定区，学校须指定学校，机构须指定机构"),
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"
