"""Outside production the secret key is this installation's own, never one published in the repository.

The key used to default to a constant in shuangjian/settings.py, so anybody with the repository could sign a
homework share link (or a session) for any class of an installation started without DJANGO_SECRET_KEY.
"""

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core import signing

from homework.selectors import SHARE_SALT, class_from_token, share_token
from shuangjian.local_secret import installation_secret_key
from tests import factories as f

BASE = Path(settings.BASE_DIR)
NOT_THE_REPOSITORY = {
    ".git",
    ".venv",
    ".local",
    "staticfiles",
    "media",
    "test-artifacts",
    "__pycache__",
    "node_modules",
}
#: the key shuangjian/settings.py used to fall back on (public in the repository's history)
FORMER_DEFAULT = "dev-only-not-secret-shuangjian-portal-key-0123456789"


def fresh_settings_key(key_file: Path) -> str:
    """SECRET_KEY as a new non-production process without DJANGO_SECRET_KEY sees it."""
    dotenv = BASE / ".env"
    if dotenv.exists() and "DJANGO_SECRET_KEY" in dotenv.read_text():
        pytest.skip(".env sets DJANGO_SECRET_KEY")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SECRET_KEY_FILE=str(key_file))
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE,
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "DJANGO_SETTINGS_MODULE": "shuangjian.settings"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def repository_files():
    for root, dirs, files in os.walk(BASE):
        dirs[:] = [d for d in dirs if d not in NOT_THE_REPOSITORY and not d.startswith(".venv")]
        for name in files:
            yield Path(root) / name


def test_a_fresh_installation_uses_no_key_from_the_repository(tmp_path):
    key_file = tmp_path / "install-a" / "secret_key"
    key = fresh_settings_key(key_file)
    needle = key.encode()
    found = [str(p.relative_to(BASE)) for p in repository_files() if needle in p.read_bytes()]
    assert not found, f"the secret key is written in {found}"
    assert len(key) >= 50 and key != FORMER_DEFAULT
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_two_installations_get_different_keys_and_each_keeps_its_own(tmp_path):
    a, b = tmp_path / "a" / "secret_key", tmp_path / "b" / "secret_key"
    key_a = fresh_settings_key(a)
    key_b = fresh_settings_key(b)
    assert key_a != key_b
    assert fresh_settings_key(a) == key_a  # a restart reads the same file
    assert fresh_settings_key(b) == key_b


def test_the_key_file_is_ignored_by_git():
    result = subprocess.run(["git", "check-ignore", "-q", ".local/secret_key"], cwd=BASE, capture_output=True)
    if result.returncode == 128:
        pytest.skip("not a git checkout")
    assert result.returncode == 0, ".local/ is not in .gitignore"


def test_processes_starting_together_agree_on_one_key(tmp_path):
    for attempt in range(20):
        path = tmp_path / str(attempt) / "secret_key"
        start = threading.Barrier(8)
        keys = []

        def first_start(path=path, start=start, keys=keys):
            start.wait()
            keys.append(installation_secret_key(path))

        threads = [threading.Thread(target=first_start) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(keys) == 8 and len(set(keys)) == 1
        assert path.read_text().strip() == keys[0]
        assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_an_empty_key_file_stops_the_start_with_its_name(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("\n")
    with pytest.raises(RuntimeError, match="holds no secret key"):
        installation_secret_key(key_file)


@pytest.mark.django_db
def test_a_share_link_signed_with_the_former_published_key_does_not_open(client):
    school_class = f.SchoolClassFactory()
    forged = signing.dumps({"c": school_class.pk}, key=FORMER_DEFAULT, salt=SHARE_SALT, compress=True)
    assert class_from_token(forged) is None
    assert client.get(f"/homework/p/{forged}/").status_code == 404
    assert client.get(f"/homework/p/{share_token(school_class)}/").status_code == 200
