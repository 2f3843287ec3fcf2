"""Inspections (督导检查, Art. 20, 29): a bureau's visit to a school, an institution or unregistered premises,
its checklist by rule ID and its photos. A violation found on site becomes a ``case`` finding (compliance)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedQuerySet

from .choices import InspectionKind, ItemResult, SubjectType


class Inspection(models.Model):
    """督导检查: who inspected what, when and where; the subject is a school, an institution, or (neither) premises
    not in the registry, named by ``place`` (an unlicensed tutoring flat: its findings carry the district only)."""

    date = models.DateField(_("检查日期"))
    district = models.ForeignKey(
        "schools.District", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("区")
    )
    school = models.ForeignKey(
        "schools.School",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("学校"),
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("培训机构"),
    )
    place = models.CharField(_("检查地点"), max_length=200, blank=True)
    inspectors = models.CharField(_("检查人员"), max_length=200)
    kind = models.CharField(_("检查类型"), max_length=10, choices=InspectionKind.choices)
    notes = models.TextField(_("检查情况"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    # schools and institutions see the inspections of themselves; premises not in the registry only the bureau
    scope_paths = {"district": "district_id", "school": "school_id", "institution": "institution_id"}

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("督导检查")
        verbose_name_plural = _("督导检查")
        indexes = [
            models.Index(fields=["district", "date"], name="inspection_district_date"),
            models.Index(fields=["date"], name="inspection_date"),
        ]
        constraints = [
            models.CheckConstraint(
                name="inspection_one_subject",
                condition=Q(school__isnull=False, institution__isnull=True)
                | Q(school__isnull=True, institution__isnull=False)
                | (Q(school__isnull=True, institution__isnull=True) & ~Q(place="")),
                violation_error_message=_("检查对象须为一所学校、一家培训机构，或填写未登记场所的地点，只能选其一"),
            ),
            models.CheckConstraint(
                name="inspection_inspectors_named",
                condition=~Q(inspectors=""),
                violation_error_message=_("请填写检查人员"),
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.subject_label}"

    @property
    def subject_type(self) -> str:
        if self.school_id:
            return SubjectType.SCHOOL
        if self.institution_id:
            return SubjectType.INSTITUTION
        return SubjectType.PLACE

    @property
    def subject_label(self) -> str:
        if self.school_id:
            return str(self.school)
        if self.institution_id:
            return str(self.institution)
        return self.place


class InspectionItem(models.Model):
    """One line of the checklist: a catalogue rule, what the inspectors found, and the finding a violation raised."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    rule_id = models.CharField(_("规则编号"), max_length=32)
    result = models.CharField(_("检查结果"), max_length=12, choices=ItemResult.choices)
    note = models.TextField(_("说明"), blank=True)
    finding = models.OneToOneField(
        "compliance.Finding",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_item",
        verbose_name=_("问题线索"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = {
        "district": "inspection__district_id",
        "school": "inspection__school_id",
        "institution": "inspection__institution_id",
    }

    class Meta:
        ordering = ["rule_id"]
        verbose_name = _("检查事项")
        verbose_name_plural = _("检查事项")
        indexes = [models.Index(fields=["rule_id"], name="inspectionitem_rule")]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "rule_id"],
                name="inspectionitem_one_per_rule",
                violation_error_message=_("同一次检查中每条规则只能记录一次"),
            ),
            models.CheckConstraint(
                name="inspectionitem_violation_has_finding",
                condition=Q(result=ItemResult.VIOLATION, finding__isnull=False)
                | (~Q(result=ItemResult.VIOLATION) & Q(finding__isnull=True)),
                violation_error_message=_("违规事项须对应一条问题线索，其他结果不能有问题线索"),
            ),
        ]

    def __str__(self):
        return f"{self.rule_id} {self.result}"


def _photo_path(instance, filename):
    ext = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"inspections/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class InspectionPhoto(models.Model):
    """A photo taken on site: decoded and re-encoded on upload (JPEG or PNG), stored under a random name, shown
    only to those who may see the inspection."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=_photo_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {
        "district": "inspection__district_id",
        "school": "inspection__school_id",
        "institution": "inspection__institution_id",
    }

    class Meta:
        ordering = ["id"]
        verbose_name = _("检查照片")
        verbose_name_plural = _("检查照片")
        constraints = [
            models.CheckConstraint(
                name="inspectionphoto_image_type",
                condition=Q(content_type__in=["image/jpeg", "image/png"]),
                violation_error_message=_("只接受 JPEG、PNG 照片"),
            )
        ]

    def __str__(self):
        return self.image.name
