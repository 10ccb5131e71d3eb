"""What the benchmarks share: a free loopback port, and a PostgreSQL database of their own."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def fresh_postgres(admin_url: str, name: str) -> Iterator[str]:
    """A new, empty database `name` on the server of `admin_url` (a database to connect to for
    CREATE DATABASE), dropped first if an earlier run left it behind; yields its URL, and drops it
    afterwards even while the servers under test still hold connections."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
