"""Session app on a real PostgreSQL migrated by the real migrations; each test rolls back."""
import re

import html5lib
import pytest
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from commissioning import create_app
from commissioning.extensions import db, limiter
from tests import services
from tests.fixtures.queries import counting_queries

pytest_plugins = ["tests.fixtures.factories", "tests.fixtures.live"]


def pytest_sessionstart(session):
    missing = services.missing_services()
    if missing:
        lines = ["The test suite needs these services, which are not answering:"]
        for name, url, start in missing:
            lines.append(f"  - {name} at {url}. Start it with:\n      {start}")
        lines.append("(.ci/run starts them for CI; locally start them and run `make test` again.)")
        pytest.exit("\n".join(lines), returncode=3)


TEST_CONFIG = {
    "APP_ENV": "test",
    "SECRET_KEY": "test-secret-key",
    "WTF_CSRF_ENABLED": False,
    "OUTBOX_DISPATCH": "hold",
    "MAIL_BACKEND": "outbox",
    "REDIS_URL": "",
    "SERVER_NAME": "localhost",
}


def migrate_database(app):
    from flask_migrate import upgrade
    with app.app_context():
        upgrade()


@pytest.fixture(scope="session")
def database():
    name, url = services.create_database()
    yield url

    for engine in list(_engines):
        engine.dispose()
    services.drop_database(name)


_engines = []


@pytest.fixture(scope="session")
def app(database, tmp_path_factory):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database,
                      "BROKER_DIR": str(tmp_path_factory.mktemp("broker"))})
    app.test_client_class = StrictHTMLClient
    migrate_database(app)
    with app.app_context():
        _engines.append(db.engine)
    return app


@pytest.fixture(autouse=True)
def _rollback(request, app):
    """Run each test in a transaction that is rolled back; the app's commits become savepoints."""
    ctx = app.app_context()
    ctx.push()
    connection = db.engine.connect()
    transaction = connection.begin()
    original = db.session
    # A plain Session: Flask-SQLAlchemy's own would pick the engine, not this connection.
    db.session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
                                scopefunc=_app_ctx_id)
    limiter.reset()
    # The rollback below undoes writes behind the app's back (no deployment does that): the pages
    # it kept from them go too.
    from commissioning.core import pagecache
    pagecache.clear(app)
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        transaction.rollback()
        connection.close()
        ctx.pop()


class StrictHTMLClient(FlaskClient):
    """A test client that fails on broken markup, so no page ships invalid HTML."""

    def open(self, *args, **kwargs):
        # Requests share the test's app context (and so its session), and Flask-Login caches the
        # user on `g`, which lives there too: forget it so each client is itself.
        from flask import g, has_app_context
        if has_app_context():
            g.pop("_login_user", None)
            g.pop("api_token", None)
            g.pop("csrf_token", None)  # Flask-WTF's token for one request, as in production
            g.pop("_logout_form", None)
        response = super().open(*args, **kwargs)
        if response.mimetype == "text/html" and response.data:
            parser = html5lib.HTMLParser(strict=True)
            try:
                parser.parse(response.get_data(as_text=True))
            except html5lib.html5parser.ParseError as exc:
                raise AssertionError(f"Invalid HTML from {args[0] if args else kwargs}: {exc}") from exc
        return response


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(client):
    """``login(user)`` signs the test client in through the real login form."""
    def do_login(user, password="a-long-test-password"):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, f"login failed for {user.email}"
        return client
    return do_login


@pytest.fixture
def count_queries(app):
    """``with count_queries() as cnt: ...; assert cnt() == N`` counts SQL statements."""
    return counting_queries


def csrf_token_from(html):
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)
