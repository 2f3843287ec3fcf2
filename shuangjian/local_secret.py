"""A secret key of this installation's own, made on its first start (outside production).

Everything Django signs (the homework share links, sessions, CSRF and password-reset tokens) and the complaint
phone digests use ``SECRET_KEY``. A default key in the repository would let anybody holding it forge a share link,
so without ``DJANGO_SECRET_KEY`` each installation makes a random one on its first start and keeps it in a file
(mode 0600) that is not tracked. Several processes starting at once (the test suite's workers, a server and a
worker) must end up with the same key: the key is written to a temporary file that is then hard-linked into
place, which fails if another process got there first, and then that process's complete file is read.
Production never uses this: it requires ``DJANGO_SECRET_KEY``.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path


class SecretKeyFileError(RuntimeError):
    """The key file exists but holds no key."""


def installation_secret_key(path: Path | str) -> str:
    """The key stored at ``path``, made (atomically, mode 0600) if there is none yet."""
    path = Path(path)
    key = _read(path)
    if key is not None:
        return key
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")  # mode 0600
    try:
        with os.fdopen(fd, "w") as f:
            f.write(key + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # atomic, and never replaces a key another process made meanwhile
        except FileExistsError:
            key = _read(path)
    finally:
        os.unlink(tmp)
    if not key:  # the other process's file vanished in between
        raise SecretKeyFileError(f"{path} could not be read back after it was made; start again")
    return key


def _read(path: Path) -> str | None:
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        return None
    if not key:
        raise SecretKeyFileError(f"{path} holds no secret key: delete it (a new key is made) or set DJANGO_SECRET_KEY")
    return key
