"""Where the test tier finds PostgreSQL and Redis, and a clear message when it cannot."""
import os
import socket
import uuid
from urllib.parse import urlsplit

import psycopg

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

HOW_TO_START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": ("redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' "
              "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"),
}


def _reachable(url, default_port):
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def missing_services():
    """Names and start commands of the services the suite needs but cannot reach."""
    missing = []
    if not _reachable(PG_ADMIN_URL, 5432):
        missing.append(("PostgreSQL", PG_ADMIN_URL))
    if not _reachable(REDIS_URL, 6379):
        missing.append(("Redis", REDIS_URL))
    return [(name, url, HOW_TO_START[name]) for name, url in missing]


def create_database(prefix="commissioning_test"):
    """Create an empty database for this run and return its SQLAlchemy URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(PG_ADMIN_URL)
    return name, parts._replace(scheme="postgresql+psycopg", path=f"/{name}").geturl()


def drop_database(name):
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
