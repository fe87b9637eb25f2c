"""Cut database connections under load: never a 500; reads are run once more, the rest is 503.

The app is served over real HTTP on loopback (as tests/fixtures/live.py does) and its own
PostgreSQL backends, told apart by an application_name of this test's own so that the live app's
and the worker's connections are left alone, are terminated again and again while a few threads
make requests.
"""
import logging
import threading
import time
import uuid
from collections import Counter

import psycopg
import pytest
import requests
from werkzeug.serving import make_server

from tests import services

THREADS = 4
KILLS = 20              # rounds of pg_terminate_backend
KILL_EVERY = 12         # answers between rounds: the cuts keep pace with the traffic on any machine
MAX_REQUESTS = 300      # per thread, whatever happens
DEADLINE = 180          # seconds, whatever happens
UNAVAILABLE = "Sorry, the service is unavailable"

REQUESTS = [
    ("GET", "/", None),
    ("GET", "/opportunities", None),
    ("GET", "/indicators", None),
    ("GET", "/whats-on", None),
    ("GET", "/api/v1/indicators", None),
    ("GET", "/api/v1/opportunities", None),
    ("HEAD", "/venues", None),
    ("POST", "/login", {"email": "nobody@example.org", "password": "not-the-password"}),
]


@pytest.fixture
def outage_log(caplog, monkeypatch):
    """The retry's log records. The migrations' logging.config.fileConfig (run in this process by
    the live_app fixture) disables loggers that already exist, so switch this one back on."""
    monkeypatch.setattr(logging.getLogger("commissioning.main.outages"), "disabled", False)
    caplog.set_level(logging.WARNING, logger="commissioning.main.outages")
    return caplog


@pytest.fixture
def served(make_app, live_config):
    """The app on the live database, over HTTP, with connections named so they can be cut."""
    tag = f"cut-{uuid.uuid4().hex[:8]}"
    app = make_app(DATABASE_URL=f"{live_config['DATABASE_URL']}?application_name={tag}",
                   WTF_CSRF_ENABLED=False,
                   # As in production: an error the handlers did not turn into a page is not re-raised.
                   PROPAGATE_EXCEPTIONS=False,
                   LOGIN_RATE_LIMIT="100000 per minute", LOGIN_RATE_LIMIT_PER_ADDRESS="100000 per minute",
                   API_RATE_LIMIT="100000 per minute")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    server.tag = tag
    server.database = live_config["DATABASE_URL"].rsplit("/", 1)[1]
    yield server
    server.shutdown()
    from commissioning.extensions import db
    with app.app_context():
        db.engine.dispose()


def _request(url, method, path, data):
    response = requests.request(method, url + path, data=data, timeout=30, allow_redirects=False)
    json = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else None
    return {"method": method, "path": path, "status": response.status_code, "text": response.text, "json": json}


class Answers:
    """The answers so far, and a way to wait until there are n of them."""

    def __init__(self):
        self.items = []
        self.clients_done = 0
        self.changed = threading.Condition()

    def add(self, answer):
        with self.changed:
            self.items.append(answer)
            self.changed.notify_all()

    def client_done(self):
        with self.changed:
            self.clients_done += 1
            self.changed.notify_all()

    def wait_for(self, n, timeout):
        """True once there are n answers; False at the timeout or when every client has stopped."""
        with self.changed:
            self.changed.wait_for(lambda: len(self.items) >= n or self.clients_done == THREADS, timeout=timeout)
            return len(self.items) >= n


def _kill(server, answers, stop):
    """Terminate this app's backends after every KILL_EVERY answers, KILLS times (or until the
    deadline); return how many backends were terminated."""
    killed = rounds = 0
    deadline = time.monotonic() + DEADLINE
    with psycopg.connect(services.PG_ADMIN_URL, autocommit=True) as admin:
        for rounds in range(1, KILLS + 1):
            if not answers.wait_for(rounds * KILL_EVERY, timeout=max(0, deadline - time.monotonic())):
                break
            killed += admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND application_name = %s AND pid <> pg_backend_pid()",
                (server.database, server.tag)).fetchone()[0]
    stop.set()
    return killed, rounds


def test_cut_connections_give_no_500_and_reads_are_retried(served, outage_log):
    for method, path, data in REQUESTS:   # warm up: every request works before the cuts
        assert _request(served.url, method, path, data)["status"] == 200, path

    stop = threading.Event()
    answers, errors = Answers(), []

    def client(offset):
        try:
            for n in range(MAX_REQUESTS):
                if stop.is_set():
                    return
                answers.add(_request(served.url, *REQUESTS[(offset + n) % len(REQUESTS)]))
        except Exception as exc:  # noqa: BLE001 - a dropped HTTP connection is a failure too
            errors.append(repr(exc))
        finally:
            answers.client_done()

    clients = [threading.Thread(target=client, args=(i,)) for i in range(THREADS)]
    for thread in clients:
        thread.start()
    killed, rounds = _kill(served, answers, stop)
    for thread in clients:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in clients)
    results = answers.items

    statuses = Counter(r["status"] for r in results)
    unavailable = [r for r in results if r["status"] == 503]
    reads = [r for r in results if r["method"] in ("GET", "HEAD")]
    retried = [r for r in outage_log.records if "running it once more" in r.getMessage()]
    in_doubt = [r for r in unavailable if "may or may not" in r["text"]]
    print(f"\n{len(results)} requests ({len(reads)} reads), {killed} backends terminated in {rounds} rounds, "
          f"statuses {dict(statuses)}, {len(retried)} reads run once more, "
          f"503 by method {dict(Counter(r['method'] for r in unavailable))} ({len(in_doubt)} POSTs cut during COMMIT)")

    assert errors == []
    assert killed > 0, "the test should have cut some connections"
    assert set(statuses) <= {200, 503}, [r for r in results if r["status"] not in (200, 503)][:3]
    for answer in unavailable:
        if answer["method"] == "HEAD":
            continue
        if answer["path"].startswith("/api/"):
            assert answer["json"]["code"] == 503 and answer["json"]["status"] == "Service Unavailable", answer
            assert "Try again in a few minutes" in answer["json"]["message"]
        else:
            assert UNAVAILABLE in answer["text"], answer
            if answer["method"] == "POST":
                # Cut before its COMMIT: nothing saved. Cut during it: the server may have applied it.
                assert ("Nothing you sent was saved" in answer["text"]
                        or "may or may not have been saved" in answer["text"]), answer
            else:
                assert "Try again in a few minutes" in answer["text"], answer
    assert retried, "some reads should have lost their connection and been run once more"
    # A POST holds its connection through the password check, so most are cut (and answered 503,
    # never re-run); reads are run once more, so the large majority of them succeed.
    assert sum(r["status"] == 200 for r in reads) >= 0.9 * len(reads), statuses

    # Once the cuts stop, the pool's pre-ping replaces the dead connections: everything works.
    for method, path, data in REQUESTS:
        assert _request(served.url, method, path, data)["status"] == 200, path
