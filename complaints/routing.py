"""Routing per Art. 28 and RULES.md: the district of the target, and the department that handles the complaint."""

from __future__ import annotations

from django.apps import apps

from schools.choices import FOREIGN_LANGUAGES

from .choices import Category, Department, TargetKind

#: fees and advertising go to market regulation whatever the target (Art. 28)
MARKET_CATEGORIES = frozenset({Category.PREPAYMENT_REFUND, Category.ADVERTISING})

DOMAIN_DEPARTMENT = {
    "arts": Department.CULTURE_TOURISM,
    "sports": Department.SPORTS,
    "science": Department.SCIENCE_TECHNOLOGY,
}


def _teaches_foreign_language(institution) -> bool:
    """Whether the institution runs any foreign-language course (education handles all foreign-language training)."""
    course = apps.get_model("institutions", "Course")
    return course.objects.filter(institution=institution, subject__in=list(FOREIGN_LANGUAGES)).exists()


def department_for(*, category: str, target_kind: str, institution=None) -> str:
    if category in MARKET_CATEGORIES:
        return Department.MARKET_REGULATION
    if target_kind == TargetKind.INSTITUTION and institution is not None:
        if institution.category == "subject" or _teaches_foreign_language(institution):
            return Department.EDUCATION
        return DOMAIN_DEPARTMENT.get(institution.domain, Department.EDUCATION)
    return Department.EDUCATION


def district_for(*, target_kind: str, institution=None, school=None, district=None):
    """The institution's or school's district; for another target, the district the complainant named."""
    if target_kind == TargetKind.INSTITUTION and institution is not None:
        return institution.district
    if target_kind in (TargetKind.SCHOOL, TargetKind.TEACHER) and school is not None:
        return school.district
    return district
