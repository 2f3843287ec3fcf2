"""A school's staff see their school's homework findings on the landing page, with what to fix."""

import pytest
from django.test import Client
from django.urls import reverse

from compliance.registry import get_rule

from .conftest import SCHOOL_DAY, item, sweep

pytestmark = pytest.mark.django_db


def test_school_landing_lists_its_homework_findings_with_the_hint(
    file_items, g4, district1, school_user, school_b_user, other_class
):
    file_items(item(g4, subject="maths", minutes=70))
    file_items(item(other_class, subject="maths", minutes=80), user=school_b_user)
    sweep("HW-5-G36", district1, SCHOOL_DAY)
    c = Client()
    c.force_login(school_user)
    html = c.get(reverse("home")).content.decode()
    assert "HW-5-G36" in html and get_rule("HW-5-G36").hint_zh in html
    assert g4.name in html
    assert reverse("homework:file") in html and reverse("homework:upload") in html
    c.force_login(school_b_user)
    assert "HW-5-G36" not in c.get(reverse("home")).content.decode()  # district2 was not swept; and not A's
