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


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of a test's own, on loopback and one port for its life, keeping nothing on disk.

    Tests stop and restart it (an outage, an emptied broker) without touching the shared Redis.
    """

    def __init__(self, folder):
        self.folder, self.port, self.proc = folder, free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        import subprocess
        import time

        import redis
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while True:
            try:
                if self.client(timeout=1).ping():
                    return
            except redis.RedisError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"the private redis-server on port {self.port} did not start")
            time.sleep(0.05)

    def stop(self):
        import subprocess
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)
        self.proc = None

    def restart(self):
        self.stop()
        self.start()

    def client(self, timeout=5):
        import redis
        return redis.Redis.from_url(self.url, socket_timeout=timeout)

    def keys(self, pattern):
        return self.client(timeout=1).keys(pattern)
