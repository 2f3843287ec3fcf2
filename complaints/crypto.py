"""Encryption of complainants' personal information at rest.

``settings.FIELD_ENCRYPTION_KEYS`` is a list of Fernet keys: the first
encrypts, every key decrypts, so a new key is put first, ``manage.py
rotate_complaint_keys`` re-encrypts every row with it, and then the old key
can be removed. ``phone_digest`` is a keyed hash (HMAC) of a normalised phone
number so that repeated complaints from one number can be found without
decrypting anything.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

UNREADABLE = "（无法解密）"


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    if not value:
        return ""
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # never log the token or anything derived from the plaintext
        logger.warning("a complaint contact field could not be decrypted with the configured keys")
        return UNREADABLE


def rotate(token: str) -> str:
    """Re-encrypt ``token`` with the first key (MultiFernet.rotate)."""
    if not token:
        return ""
    return fernet().rotate(token.encode()).decode()


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def phone_digest(phone: str) -> str:
    digits = normalise_phone(phone)
    if not digits:
        return ""
    return salted_hmac("complaints.phone", digits, algorithm="sha256").hexdigest()


def mask_phone(phone: str) -> str:
    """138****1234: the first three and the last four digits."""
    if not phone:
        return ""
    if phone == UNREADABLE:
        return phone
    digits = normalise_phone(phone)
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * len(digits)


def mask_name(name: str) -> str:
    """张** : the surname only."""
    if not name:
        return ""
    if name == UNREADABLE:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_email(email: str) -> str:
    if not email:
        return ""
    if "@" not in email:
        return "***"
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"


class EncryptedTextField(models.TextField):
    """A text field stored as a Fernet token; Python code sees the plaintext, the database never does."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(value)
