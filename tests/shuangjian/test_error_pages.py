"""The portal's own error pages (403/404/500) in its style and both languages, in every mode; a favicon on every page."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, override_settings
from django.urls import path

ROOT = Path(__file__).resolve().parents[2]


def _boom(request):
    raise RuntimeError("a bug")


def _forbidden(request):
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied


from shuangjian import urls as root_urls  # noqa: E402

urlpatterns = [path("boom/", _boom), path("forbidden/", _forbidden), *root_urls.urlpatterns]
handler403 = root_urls.handler403
handler404 = root_urls.handler404
handler500 = root_urls.handler500


def test_debug_is_off_unless_a_developer_asks_for_it():
    """`make demo` runs without DJANGO_DEBUG: it must not show Django's technical 404 listing every URL."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_DEBUG", "DJANGO_PRODUCTION")}
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    env["DJANGO_SETTINGS_MODULE"] = "shuangjian.settings"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.django_db
def test_404_is_the_portals_page_in_chinese_and_english():
    client = Client()
    resp = client.get("/no-such-page/")
    assert resp.status_code == 404
    html = resp.content.decode()
    assert "页面不存在" in html and "site.css" in html and "favicon.svg" in html
    assert "URLconf" not in html and "api/v1/" not in html
    client.cookies["django_language"] = "en"
    html = client.get("/no-such-page/").content.decode()
    assert "Page not found" in html and 'lang="en"' in html


@pytest.mark.django_db
def test_404_under_the_api_answers_json():
    resp = Client().get("/api/v1/no-such-endpoint/")
    assert resp.status_code == 404 and resp.json()["code"] == "not_found"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_403_and_500_are_the_portals_pages():
    client = Client(raise_request_exception=False)
    resp = client.get("/forbidden/")
    assert resp.status_code == 403 and "无权访问" in resp.content.decode() and "site.css" in resp.content.decode()
    resp = client.get("/boom/")
    assert resp.status_code == 500
    html = resp.content.decode()
    assert "服务器出错" in html and "favicon.svg" in html and "a bug" not in html
    client.cookies["django_language"] = "en"
    html = client.get("/boom/").content.decode()
    assert 'lang="en"' in html and "服务器出错" not in html


@pytest.mark.django_db
def test_every_page_links_a_favicon_that_exists():
    html = Client().get("/").content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html
    assert finders.find("favicon.svg")
