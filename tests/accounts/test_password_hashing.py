"""The suite hashes passwords with a fast hasher (tests/conftest.py); the portal itself must not."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_portal_hashes_passwords_with_pbkdf2_outside_the_tests():
    code = (
        "import django; django.setup(); from django.contrib.auth.hashers import get_hasher; "
        "h = get_hasher(); print(h.algorithm, h.iterations)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["DJANGO_SETTINGS_MODULE"] = "shuangjian.settings"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    algorithm, iterations = out.stdout.split()
    assert algorithm == "pbkdf2_sha256"
    assert int(iterations) >= 1_000_000
