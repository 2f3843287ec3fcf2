"""What the benchmark scripts share: their log line and their own PostgreSQL databases. Not a benchmark."""

from __future__ import annotations

import os
import time


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def default_url(name: str) -> str:
    """A benchmark's own database on the server of ``DATABASE_URL`` (as `make bench` sets it), else on :5432."""
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x").rsplit("/", 1)[0]
    return f"{server}/{name}"


def _admin(url: str):
    import psycopg

    admin = psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True)
    return admin, url.rsplit("/", 1)[1]


def recreate_database(url: str) -> None:
    """Drop the benchmark's database if it exists and create it empty."""
    admin, name = _admin(url)
    with admin, admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')


def ensure_database(url: str) -> None:
    """Create the benchmark's database when it does not exist."""
    admin, name = _admin(url)
    with admin, admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
