"""CSRF on every form: each POST form in a template carries the token, and the check is on."""

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.security.test_csp import template_files

POST_FORM = re.compile(r"<form\b[^>]*method\s*=\s*[\"']?post[\"']?[^>]*>(.*?)</form>", re.IGNORECASE | re.DOTALL)


def test_every_post_form_has_a_csrf_token():
    missing = []
    for path in template_files():
        for body in POST_FORM.findall(path.read_text(encoding="utf-8")):
            if "{% csrf_token %}" not in body:
                missing.append(str(path.relative_to(settings.BASE_DIR)))
    assert not missing, missing


def test_the_scan_finds_a_form_without_a_token():
    assert POST_FORM.findall('<form method="post"><input name="x"></form>') == ['<input name="x">']


def test_csrf_middleware_is_on():
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE


@pytest.mark.django_db
def test_logout_without_the_token_is_refused(district_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(district_user)
    assert client.post("/logout/").status_code == 403
    assert "_auth_user_id" in client.session
