"""Form helpers shared by every app's pages."""

from __future__ import annotations

from .errors import ServiceError


def add_service_errors(form, exc: ServiceError, *, fields=None, rename=None) -> None:
    """A service's refusal on a form: each named field's messages at that field (a name the form does not show, on
    top), and the refusal's own message on top when it named no field. ``fields``: the part of ``exc.fields`` that
    concerns this form (default all of it); ``rename``: service field name → form field name."""
    fields = exc.fields if fields is None else fields
    placed = False
    for name, msgs in (fields or {}).items():
        name = (rename or {}).get(name, name)
        for msg in msgs if isinstance(msgs, list | tuple) else [msgs]:
            form.add_error(name if name in form.fields else None, msg)
            placed = True
    if not placed:
        form.add_error(None, exc.message)
