"""The tracking secret's hash: cheap enough that submitting and tracking do not each cost a CPU-second, still
checked exactly, and secrets hashed before with more rounds still work."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from complaints.crypto import secret_hash, secret_matches
from complaints.models import Complaint

from .conftest import submission

pytestmark = pytest.mark.django_db


def test_a_new_secret_is_stored_with_the_tracking_hasher_and_checked_exactly():
    encoded = secret_hash("ABCDEFGHJKMN")
    assert encoded.startswith("pbkdf2_sha256$10000$") and "ABCDEFGHJKMN" not in encoded
    assert secret_matches("ABCDEFGHJKMN", encoded)
    assert not secret_matches("ABCDEFGHJKMP", encoded)
    assert not secret_matches("", encoded)


def test_a_secret_hashed_with_more_rounds_before_still_verifies():
    old = PBKDF2PasswordHasher().encode("ABCDEFGHJKMN", "oldsalt0123456789", iterations=200_000)
    assert secret_matches("ABCDEFGHJKMN", old)
    assert not secret_matches("ABCDEFGHJKMP", old)


def test_a_submitted_complaint_is_tracked_with_its_secret_only(api, district1):
    body = api.post("/api/v1/complaints/", submission(), format="json").json()
    complaint = Complaint.objects.get(tracking_code=body["tracking_code"])
    assert complaint.secret_hash.startswith("pbkdf2_sha256$10000$")
    track = "/api/v1/complaints/track/"
    assert api.post(track, {"tracking_code": body["tracking_code"], "secret": body["secret"]}).status_code == 200
    wrong = "A" * 12 if body["secret"] != "A" * 12 else "B" * 12
    assert api.post(track, {"tracking_code": body["tracking_code"], "secret": wrong}).status_code == 404
