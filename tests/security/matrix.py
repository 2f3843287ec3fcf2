"""The machinery of the permission matrix: walk the URL configuration, fill a pattern's arguments, send a
request as a role inside a savepoint, and read the answer.

``tests/security/test_permission_matrix.py`` holds the table of expected answers and the tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from .world import STAFF_ROLES, World

#: URL prefixes the matrix does not cover, each with its reason
SKIPPED_PREFIXES = {
    "admin/": "Django admin: superusers only, guarded by Django's own is_staff and model permissions, not by roles",
    "api/schema/": "the OpenAPI schema: public by design, describes the API and holds no data (fuzzed separately)",
    "api/docs/": "Swagger UI: a static page that loads the schema",
    "i18n/": "set_language: switches the interface language, reads and writes no data",
    "^media/": "the development media server (DEBUG only); complaint photos are served by complaints:photo",
    "^static/": "static files (WhiteNoise): hold no data",
}

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
ALL_METHODS = ("GET", *WRITE_METHODS)


@dataclass(frozen=True)
class Endpoint:
    route: str  # the pattern as written, the prefixes joined
    name: str  # "namespace:name", or the route when the pattern has no name
    callback: Callable
    format_suffix: bool  # a ``.json`` twin of another pattern (the routers make none; it would share its answers)

    @property
    def key(self) -> str:
        return f"{self.name}.format" if self.format_suffix else self.name

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def view_class(self):
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods the view answers: class-based views say which; function views (the pages) are read with
        GET and submitted with POST."""
        cls = self.view_class
        if cls is None:
            return ("GET", "POST")
        allowed = {m.upper() for m in cls.http_method_names}
        actions = getattr(self.callback, "actions", None)
        if actions is not None:  # a router route: the viewset actions mapped to this URL
            names = {m.upper() for m in actions}
        else:
            names = {m.upper() for m in cls.http_method_names if hasattr(cls, m)}
        return tuple(m for m in ALL_METHODS if m in names and m in allowed)


def walk(patterns=None, prefix="", namespace=None):
    """Every URL pattern of the project, with its full route and namespaced name."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            name = (f"{namespace}:{p.name}" if namespace else p.name) if p.name else route
            yield Endpoint(route=route, name=name, callback=p.callback, format_suffix="(?P<format>" in route)


def skip_reason(route: str) -> str | None:
    for prefix, reason in SKIPPED_PREFIXES.items():
        if route.startswith(prefix):
            return reason
    return None


def covered_endpoints() -> list[Endpoint]:
    return [e for e in walk() if skip_reason(e.route) is None]


def fill_route(endpoint: Endpoint, kwargs: dict) -> str:
    """The URL of a pattern with its arguments filled in (regex groups and path converters alike); it must
    resolve back to the same view."""
    out = endpoint.route.replace("^", "").replace("$", "")
    if endpoint.format_suffix:
        kwargs = {**kwargs, "format": "json"}
    for key, value in kwargs.items():
        out = re.sub(r"\(\?P<" + key + r">(?:[^()]|\([^()]*\))*\)", str(value), out)
        out = re.sub(r"<(?:\w+:)?" + key + ">", str(value), out)
    out = out.replace("\\.", ".").replace("/?", "/")
    if "(?P<" in out or re.search(r"<\w", out):
        raise AssertionError(f"{endpoint.key}: an argument is not filled in {out!r} (given {sorted(kwargs)})")
    url = "/" + out
    match = resolve(url)
    assert match.func is endpoint.callback, f"{endpoint.key}: {url} resolves to another view ({match.view_name})"
    return url


# --- requests --------------------------------------------------------------------------------------------


@dataclass
class Payload:
    """What a request carries: JSON for the API, form fields (multipart) for pages and uploads.

    ``data`` may be a function of the world (objects are only known once it is built); a function returning
    an uploaded file is called afresh for every request, because a request reads the file."""

    data: object = None
    form: bool = False
    query: str = ""

    def resolve(self, world):
        return self.data(world) if callable(self.data) else self.data


_client: Client | None = None


def client_for(world: World, role: str) -> Client:
    """The one test client, carrying ``role``'s session cookie (or none). One client for all requests: each new
    client loads the middleware again, and WhiteNoise's scan of the static files dominates a request."""
    global _client
    if _client is None:
        _client = Client()
    _client.cookies = SimpleCookie()
    if role in STAFF_ROLES:
        _client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return _client


def login_path() -> str:
    return reverse(settings.LOGIN_URL)


def outcome(response):
    """The answer as the table writes it: the status code, or "login" for a redirect to the login page."""
    if response.status_code == 302 and response["Location"].startswith(login_path()):
        return "login"
    return response.status_code


def send(world: World, role: str, method: str, url: str, payload: Payload | None, inspect=None):
    """One request as ``role`` inside a savepoint that is rolled back afterwards, so every request meets the
    same world. ``inspect(response)`` runs before the rollback (to see what the request changed)."""
    payload = payload or Payload()
    cache.clear()  # throttle counters and cached dashboards start afresh for every request
    client = client_for(world, role)
    if payload.query:
        url = f"{url}?{payload.query}"
    data = payload.resolve(world)
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif payload.form:
            if method == "POST":
                response = client.post(url, data or {})
            else:
                response = client.generic(method, url, "", content_type="application/x-www-form-urlencoded")
        else:
            body = "" if data is None else json.dumps(data, default=str)
            response = client.generic(method, url, body, content_type="application/json")
        inspected = inspect(response) if inspect else None
        transaction.set_rollback(True)
    return response, inspected
