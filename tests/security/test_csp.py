"""Content-Security-Policy on every page, and no inline script in any template."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

EXPECTED = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def parameterless_paths(resolver=None, prefix=""):
    """Every URL of the project that takes no argument (pages, API lists, docs)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if "<" in route or "(?P" in route:
                continue
            yield from parameterless_paths(entry, prefix + route.lstrip("^").rstrip("$"))
        elif isinstance(entry, URLPattern):
            if "<" in route or "(?P" in route or "\\" in route or "[" in route:
                continue
            path = "/" + (prefix + route).lstrip("^").rstrip("$")
            yield path.replace("//", "/")


def policy_of(response):
    return "; ".join(sorted(p.strip() for p in response["Content-Security-Policy"].split(";")))


def test_policy_is_the_decided_one(client):
    response = client.get("/")
    assert policy_of(response) == "; ".join(sorted(p.strip() for p in EXPECTED.split(";")))
    assert "unsafe-inline" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("role", ["anonymous", "city"])
def test_every_page_sends_the_policy(role, city_user):
    client = Client(raise_request_exception=False)
    if role == "city":
        client.force_login(city_user)
    paths = sorted(set(parameterless_paths()))
    assert "/login/" in paths and "/audit/" in paths and "/api/docs/" in paths
    missing = []
    for path in paths:
        if path.startswith("/admin/"):
            continue
        response = client.get(path)
        if "Content-Security-Policy" not in response or "script-src 'self'" not in response["Content-Security-Policy"]:
            missing.append((path, response.status_code))
    assert not missing
    for path in ["/admin/login/", "/no-such-page/"]:
        assert "Content-Security-Policy" in client.get(path)


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def template_files():
    base = Path(settings.BASE_DIR)
    roots = [base / "templates", *[p for p in base.glob("*/templates") if ".venv" not in p.parts]]
    for root in roots:
        yield from (p for p in root.rglob("*") if p.suffix in {".html", ".txt", ".js"} and p.is_file())


def test_no_template_has_inline_script_or_event_handlers():
    files = list(template_files())
    assert any(f.name == "base.html" for f in files)
    offenders = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, JS_URL):
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(settings.BASE_DIR)}: {match.group(0)[:60]}")
    assert not offenders, "\n".join(offenders)


def test_the_scan_would_catch_an_inline_script():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<script type="module">x()</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/js/a.js"></script>')
    assert INLINE_HANDLER.search('<button onclick="go()">')
    assert not INLINE_HANDLER.search('<button class="once">')


def test_api_docs_load_their_init_script_from_a_url(city_user):
    client = Client()
    client.force_login(city_user)
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert "<style" not in html
    srcs = re.findall(r'<script src="([^"]+)"', html)
    init = [s for s in srcs if "script" in s.split("?", 1)[-1]]
    assert init, srcs
    script = client.get(init[0].replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    for src in srcs:
        assert src.startswith("/"), src  # same origin, served locally (no CDN)
