"""Encryption of complainants' personal information at rest.

``settings.FIELD_ENCRYPTION_KEYS`` is a list of Fernet keys: the first
encrypts, every key decrypts, so a new key is put first, ``manage.py
rotate_complaint_keys`` re-encrypts every row with it, and then the old key
can be removed. A token no configured key reads is never overwritten: it
loads as an ``UnreadableValue`` (shown as （无法解密）), which the field refuses
to save, and rotation works on the stored tokens and stops at the first one it
cannot read, having changed nothing. ``phone_digest`` is a keyed hash (HMAC) of a normalised phone
number so that repeated complaints from one number can be found without
decrypting anything. ``secret_hash`` / ``secret_matches`` store and check the
tracking secret.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password
from django.db import models
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

UNREADABLE = "（无法解密）"


class UnreadableValueError(RuntimeError):
    """A stored token that no configured key decrypts was about to be overwritten (or rotated).

    Not a user's mistake: the keys in ``FIELD_ENCRYPTION_KEYS`` are wrong or incomplete. The message names the
    row and the field, never the token or anything derived from the plaintext."""


class UnreadableValue(str):
    """What a token no configured key reads loads as: the placeholder for display, the token kept aside.

    ``EncryptedTextField`` refuses to save it, so the real ciphertext stays in place until the right key is
    configured again."""

    token: str

    def __new__(cls, token: str):
        value = super().__new__(cls, UNREADABLE)
        value.token = token
        return value


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
    """The plaintext of ``token``; an ``UnreadableValue`` (never saved back) when no configured key reads it."""
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # never log the token or anything derived from the plaintext
        logger.warning("a complaint contact field could not be decrypted with the configured keys")
        return UnreadableValue(token)


def rotate(token: str) -> str:
    """Re-encrypt ``token`` with the first key (MultiFernet.rotate); ``InvalidToken`` when no key reads it."""
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
        if isinstance(value, UnreadableValue):
            raise UnreadableValueError(
                f"{self.model._meta.label}.{self.name} was loaded without a key that reads it; saving it would "
                "replace the stored value with the placeholder, so it is refused. Configure the missing key in "
                "FIELD_ENCRYPTION_KEYS, or save with update_fields that leave this field out."
            )
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(value)


# -- the tracking secret -----------------------------------------------------------------------------------


class TrackingSecretHasher(PBKDF2PasswordHasher):
    """PBKDF2-SHA256 with 10,000 rounds, for the tracking secret only (not for passwords).

    Django's password default (1,000,000 rounds) is sized for secrets people choose. The tracking secret is 12
    characters drawn at random from 31 (about 59 bits), so its strength is in the draw: 10,000 rounds still
    put an offline search of one secret at centuries of GPU time, while at 1,000,000 rounds every public
    submission and every tracking look-up cost about a CPU-second, so a few clients within their rate limits
    could keep the server busy. Same algorithm name: old hashes (more rounds, encoded in the hash) still verify.
    """

    iterations = 10_000


_SECRET_HASHER = TrackingSecretHasher()


def secret_hash(secret: str) -> str:
    return _SECRET_HASHER.encode(secret, _SECRET_HASHER.salt())


def secret_matches(secret: str, encoded: str) -> bool:
    """Whether ``secret`` is the one ``encoded`` was made from (in constant time; any PBKDF2 round count)."""
    if (encoded or "").startswith(_SECRET_HASHER.algorithm + "$"):
        return _SECRET_HASHER.verify(secret, encoded)
    return check_password(secret, encoded)  # a hash made with another configured hasher
