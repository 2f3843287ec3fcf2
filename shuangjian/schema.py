"""The OpenAPI schema's error answers: every operation documents the error statuses it can give, with the one
error shape of ``shuangjian.api.exception_handler`` (``{"detail", "code", "fields"}``)."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.views import APIView

ERROR_SCHEMA = {
    "type": "object",
    "description": "The API's one error shape.",
    "properties": {
        "detail": {"type": "string", "description": "what went wrong, for the user"},
        "code": {"type": "string", "description": "a stable code: invalid, not_found, permission_denied, ..."},
        "fields": {
            "type": "object",
            "additionalProperties": {},
            "description": 'messages by field, or by "row N" (from 1) for a list of items',
        },
    },
    "required": ["detail", "code", "fields"],
}

ERRORS = {
    "400": "Invalid input: the messages name the field (or row) to fix",
    "403": "Not signed in, or the role may not do this",
    "404": "No such object in the caller's scope (another district's object is not found either)",
    "409": "Conflicts with the stored data (a row still referenced, a concurrent filing, an existing value)",
    "413": "The submission is too large",
    "429": "Too many requests from this address (or a locked-out login): retry after the Retry-After seconds",
    "503": "The database is unavailable: retry after the Retry-After seconds",
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema plus the error answers.

    Every operation may answer 400, 403 and 503; one with a path argument or a page number, 404; a DELETE,
    409; a throttled view, 429. A view that gives another of these statuses lists it in its ``schema_errors``
    attribute: ``("404",)`` for all its operations, or by method, ``{"POST": ("409",)}``.
    """

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        codes = ["400", "403", "503"]
        parameters = operation.get("parameters", [])
        if any(p.get("in") == "path" or p.get("name") == "page" for p in parameters):
            codes.append("404")
        if self.method == "DELETE":
            codes.append("409")
        if self._throttled():
            codes.append("429")
        extra = getattr(self.view, "schema_errors", ())
        codes += extra.get(self.method, ()) if isinstance(extra, dict) else extra
        responses = operation.setdefault("responses", {})
        for code in codes:
            responses.setdefault(code, self._error(code))
        return dict(operation, responses=dict(sorted(responses.items())))

    def _get_paginator(self):
        # DRF paginates a viewset's ``list`` only: another action that answers several objects (a bulk create, e.g.
        # the notices issued for several schools at once) answers a plain array, and its schema must say so
        action = getattr(self.view, "action", None)
        if action is not None and action != "list":
            return None
        return super()._get_paginator()

    def _throttled(self) -> bool:
        view = self.view
        return bool(getattr(view, "throttle_classes", None)) or type(view).get_throttles is not APIView.get_throttles

    def _error(self, code):
        component = ResolvedComponent(name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR_SCHEMA)
        self.registry.register_on_missing(component)
        return {"description": ERRORS[code], "content": {"application/json": {"schema": component.ref}}}
