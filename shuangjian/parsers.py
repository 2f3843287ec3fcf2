"""The API's JSON parser: DRF's, with a nesting limit, so a deeply nested body is a 400 and never a 500.

Python's JSON decoder recurses once per level and raises ``RecursionError`` (not ``ValueError``, which DRF turns
into a 400) at about a thousand levels: ``[`` x 100,000 posted anonymously answered 500. Nothing the API accepts
is nested more than a few levels, so anything deeper than ``MAX_DEPTH`` is refused as a parse error too, before a
serializer, a JSON field or a log line walks it recursively.
"""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

#: levels of arrays and objects a request body may have (a parameter's value or a finding's evidence needs a few)
MAX_DEPTH = 32


def _deeper_than(data, limit: int) -> bool:
    """Whether ``data`` (decoded JSON) nests arrays and objects more than ``limit`` levels (no recursion)."""
    if not isinstance(data, (dict, list)):
        return False
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        for child in value.values() if isinstance(value, dict) else value:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return False


class JSONParser(parsers.JSONParser):
    """``rest_framework.parsers.JSONParser`` that answers too deep a body with ``ParseError`` (400)."""

    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        message = _("JSON 嵌套超过 %(n)d 层，未处理 / The JSON is nested more than %(n)d levels deep") % {
            "n": self.max_depth
        }
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(message) from None
        if _deeper_than(data, self.max_depth):
            raise ParseError(message)
        return data
