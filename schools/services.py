"""Writes for schools and the calendar."""

from accounts.scoping import is_city, role_of
from shuangjian.errors import ServiceError

from .models import School


def school_create(*, user, district, name, code, stage, boarding=False) -> School:
    """District staff create schools in their own district only; city staff anywhere."""
    if not is_city(user):
        profile = role_of(user)
        if profile is None or profile.district_id != district.pk:
            raise ServiceError("只能在本区登记学校 / you may only register schools in your own district",
                               fields={"district": ["不在您的管辖范围"]})
    return School.objects.create(district=district, name=name, code=code, stage=stage, boarding=boarding)
