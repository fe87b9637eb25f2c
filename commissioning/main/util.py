import socket
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import text

from commissioning.extensions import db


def database_status():
    """A SELECT 1, tried twice: one cut connection (reconnected by the pool) is not an outage."""
    for _attempt in range(2):
        try:
            db.session.execute(text("SELECT 1"))
            return "ok"
        except Exception:  # noqa: BLE001 - reported, never raised, by the health check
            db.session.rollback()
    return "unavailable"


def rate_limit_status():
    """Where the rate limits are counted: "ok" in their storage (Redis, shared by every process, or
    memory in the embedded set-up), "in-memory" while that storage is unreachable and Flask-Limiter
    counts per process instead (it looks for Redis again after 1, 2, 4 ... 32 seconds)."""
    from commissioning.extensions import limiter
    if not (limiter.enabled and limiter.initialized):
        return "off"
    if limiter.limiter.storage is not limiter.storage or not limiter.storage.check():
        return "in-memory"
    return "ok"


def broker_status():
    """Reachability of the broker: a Redis PING, or the embedded broker's folder."""
    redis_url = current_app.config["REDIS_URL"]
    if not redis_url:
        from pathlib import Path
        folder = Path(current_app.config["BROKER_DIR"])
        return "ok" if folder.is_dir() else "unavailable"
    parts = urlsplit(redis_url)
    try:
        with socket.create_connection((parts.hostname or "localhost", parts.port or 6379), timeout=1) as sock:
            if parts.password:
                sock.sendall(f"AUTH {parts.password}\r\n".encode())
                sock.recv(64)
            sock.sendall(b"PING\r\n")
            return "ok" if sock.recv(64).startswith(b"+PONG") else "unavailable"
    except OSError:
        return "unavailable"
