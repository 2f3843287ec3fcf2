"""The registry of off-campus training institutions (校外培训机构)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedQuerySet

from .choices import Audience, Category, Domain, LicenceStatus, ListStatus, Mode
from .validators import validate_credit_code


class Institution(models.Model):
    """An off-campus training institution as the district bureau registers it."""

    name = models.CharField(_("机构名称"), max_length=120)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    district = models.ForeignKey(
        "schools.District", on_delete=models.PROTECT, related_name="institutions", verbose_name=_("所在区")
    )
    category = models.CharField(_("类别"), max_length=12, choices=Category.choices)
    domain = models.CharField(_("领域"), max_length=10, choices=Domain.choices)
    audience = models.JSONField(
        _("面向对象"), default=list, help_text=_("一个或多个：%s") % ", ".join(Audience.values)
    )
    mode = models.CharField(_("培训方式"), max_length=8, choices=Mode.choices)
    nonprofit = models.BooleanField(_("非营利性"), default=False)
    licence_no = models.CharField(_("办学许可证号"), max_length=40, blank=True)
    licence_status = models.CharField(
        _("许可证状态"), max_length=8, choices=LicenceStatus.choices, default=LicenceStatus.NONE
    )
    approved_on = models.DateField(_("审批日期"), null=True, blank=True)
    reapproved_on = models.DateField(_("线上机构重新审批日期"), null=True, blank=True)
    icp_no = models.CharField(_("ICP备案号"), max_length=40, blank=True)
    listed = models.BooleanField(_("已上市"), default=False)
    capital_raised = models.BooleanField(_("资本化融资"), default=False)
    foreign_controlled = models.BooleanField(_("外资控股或VIE"), default=False)
    list_status = models.CharField(_("黑白名单"), max_length=6, choices=ListStatus.choices, default=ListStatus.NONE)
    list_status_since = models.DateField(_("列入日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id", "institution": "id"}

    class Meta:
        ordering = ["district__code", "name"]
        verbose_name = _("培训机构")
        verbose_name_plural = _("培训机构")
        indexes = [
            models.Index(fields=["district", "category"]),
            models.Index(fields=["name"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(category__in=Category.values),
                name="institution_category_valid",
                violation_error_message=_("类别无效"),
            ),
        ]

    def __str__(self):
        return self.name
