"""System checks of the complaints app (``manage.py check --deploy``).

complaints.E001  FIELD_ENCRYPTION_KEYS is missing or empty
complaints.E002  a key in FIELD_ENCRYPTION_KEYS is not a Fernet key
complaints.E003  FIELD_ENCRYPTION_KEYS holds the development key published in the repository

Each is an error in deployment only: without a usable key every complaint with contact details answers 500, and
with the published one anybody holding the repository reads the complainants' names and phone numbers. The
messages name a key by its position, never by its value.
"""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register

#: the non-production default of ``FIELD_ENCRYPTION_KEYS`` in shuangjian/settings.py (public: it is in the
#: repository), and any earlier one
DEVELOPMENT_FIELD_ENCRYPTION_KEYS = frozenset({"ZGV2LW9ubHktZmllbGQta2V5LW5vdC1zZWNyZXQtMDE="})

HINT = (
    "Set FIELD_ENCRYPTION_KEYS to a comma-separated list of keys made with "
    "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`; "
    "the first encrypts, every one decrypts."
)


@register(Tags.security, deploy=True)
def check_field_encryption_keys(app_configs, **kwargs):
    keys = getattr(settings, "FIELD_ENCRYPTION_KEYS", None)
    if isinstance(keys, str):  # a single key given as a string
        keys = [keys]
    if not keys:
        return [
            Error(
                "FIELD_ENCRYPTION_KEYS is missing or empty: complainants' contact details cannot be encrypted or read.",
                hint=HINT,
                id="complaints.E001",
            )
        ]
    errors = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(
                Error(
                    f"FIELD_ENCRYPTION_KEYS: key {position} of {len(keys)} is not a valid Fernet key "
                    "(32 bytes, URL-safe base64).",
                    hint=HINT,
                    id="complaints.E002",
                )
            )
            continue
        if str(key).strip() in DEVELOPMENT_FIELD_ENCRYPTION_KEYS:
            errors.append(
                Error(
                    f"FIELD_ENCRYPTION_KEYS: key {position} of {len(keys)} is the development key "
                    "published in the repository; anybody can read what it encrypts.",
                    hint="Generate a key of this installation's own, put it first, run "
                    "`manage.py rotate_complaint_keys`, then remove the development key. " + HINT,
                    id="complaints.E003",
                )
            )
    return errors
