"""Validators shared by every write path (forms, serializers, the cell parsers of the imports).

PostgreSQL refuses NUL in text and cannot store a lone UTF-16 surrogate (which JSON can carry as ``"\\ud800"``);
an Excel export cannot hold the other C0 control characters. A value with any of them is refused at the field,
with a message naming it, instead of failing in the database (a 500) or in a later export.
Tab, line feed and carriage return are ordinary text.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def control_character_message() -> str:
    return _("含有不能保存的控制字符（如 NUL 空字符）：请删除后重新提交")


@deconstructible
class NoControlCharacters:
    """Django validator (forms, models, DRF fields): refuses NUL, other control characters and lone surrogates."""

    code = "control_characters"

    def __call__(self, value):
        if isinstance(value, str) and has_control_characters(value):
            raise ValidationError(control_character_message(), code=self.code)

    def __eq__(self, other):
        return isinstance(other, NoControlCharacters)

    def __hash__(self):
        return hash(self.code)


no_control_characters = NoControlCharacters()
