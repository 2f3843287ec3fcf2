"""Key rotation and unreadable contact details: a token no configured key reads is never overwritten.

Rotating with the wrong keys, or saving a complaint loaded with the wrong keys, used to encrypt the placeholder
（无法解密） and write it over the complainant's real contact details for good.
"""

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from complaints.crypto import UNREADABLE, UnreadableValueError
from complaints.models import Complaint
from complaints.services import complaint_keys_rotate

from .helpers import submit

pytestmark = pytest.mark.django_db

PHONE = "13812341234"
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
KEY_C = Fernet.generate_key().decode()


def _raw_row(pk):
    with connection.cursor() as cur:
        cur.execute("SELECT contact_name, contact_phone, contact_email FROM complaints_complaint WHERE id = %s", [pk])
        return cur.fetchone()


def _complaint(**contact):
    c, _ = submit(target_kind="other", target_text="培训班", **contact)
    return c


@pytest.fixture
def under_key_a(settings, district1):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    return _complaint(contact_name="王小明", contact_phone=PHONE, contact_email="wxm@example.com")


def test_rotation_without_the_old_key_stops_and_keeps_the_ciphertext(under_key_a, settings):
    before = _raw_row(under_key_a.pk)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]  # key A forgotten
    with pytest.raises(CommandError) as err:
        call_command("rotate_complaint_keys", stdout=open("/dev/null", "w"))
    # the error names the row and the field, never the token or the plaintext
    assert f"#{under_key_a.pk}" in str(err.value) and "contact_name" in str(err.value)
    assert PHONE not in str(err.value) and before[1] not in str(err.value)
    assert _raw_row(under_key_a.pk) == before  # byte for byte
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]  # put A back: everything still reads
    c = Complaint.objects.get(pk=under_key_a.pk)
    assert (c.contact_name, c.contact_phone, c.contact_email) == ("王小明", PHONE, "wxm@example.com")


def test_rotation_changes_nothing_when_a_later_row_is_unreadable(settings, district1):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    readable = _complaint(contact_phone=PHONE)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_C]
    unreadable = _complaint(contact_phone="13900000000")
    before = {pk: _raw_row(pk) for pk in (readable.pk, unreadable.pk)}
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]  # reads the first row, not the second
    with pytest.raises(UnreadableValueError) as err:
        complaint_keys_rotate(batch=1)
    assert f"#{unreadable.pk}" in str(err.value) and "contact_phone" in str(err.value)
    assert {pk: _raw_row(pk) for pk in (readable.pk, unreadable.pk)} == before


def test_rotation_re_encrypts_every_field_with_the_first_key(under_key_a, settings):
    empty = _complaint()  # no contact details at all: nothing to rotate
    before = _raw_row(under_key_a.pk)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert complaint_keys_rotate(batch=1) == 1
    after = _raw_row(under_key_a.pk)
    assert all(a != b for a, b in zip(after, before, strict=True))
    assert [Fernet(KEY_B).decrypt(t.encode()).decode() for t in after] == ["王小明", PHONE, "wxm@example.com"]
    assert _raw_row(empty.pk) == ("", "", "")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert Complaint.objects.get(pk=under_key_a.pk).contact_phone == PHONE


def test_saving_a_complaint_whose_contact_could_not_be_read_is_refused(under_key_a, settings):
    before = _raw_row(under_key_a.pk)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    c = Complaint.objects.get(pk=under_key_a.pk)
    assert c.contact_phone == UNREADABLE  # what a user is shown
    assert c.masked_phone == UNREADABLE
    c.description = "补充说明"
    with pytest.raises(UnreadableValueError), transaction.atomic():
        c.save()
    assert _raw_row(under_key_a.pk) == before
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    assert Complaint.objects.get(pk=under_key_a.pk).contact_phone == PHONE


def test_a_save_that_leaves_the_contact_fields_out_still_works(under_key_a, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    c = Complaint.objects.get(pk=under_key_a.pk)
    c.description = "补充说明"
    c.save(update_fields=["description"])
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    c = Complaint.objects.get(pk=under_key_a.pk)
    assert (c.description, c.contact_phone) == ("补充说明", PHONE)
