"""Schemathesis drives every API operation of a running app (real HTTP, PostgreSQL, the demo
data) with inputs generated from the app's own OpenAPI document: no answer may be a server
error, and every answer must match what the document says.

The app gets a database of its own, because the generated writes (needs, returns) would
otherwise change the demo data that other integration tests rely on."""
import threading
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from werkzeug.serving import make_server

from schemathesis.specs.openapi.checks import positive_data_acceptance

from commissioning import create_app
from commissioning.extensions import db, limiter
from tests import services


@pytest.fixture(scope="module")
def api_server(live_app, tmp_path_factory):
    from flask_migrate import upgrade

    from commissioning.accounts.models import User
    from commissioning.api.operations import create_token
    from commissioning.demo import load_demo_data
    name, url = services.create_database("commissioning_api")
    app = create_app({
        "APP_ENV": "test", "SECRET_KEY": "api-test-secret", "DATABASE_URL": url, "REDIS_URL": services.REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": f"api-{uuid.uuid4().hex[:8]}", "OUTBOX_DISPATCH": "hold",
        "MAIL_BACKEND": "outbox", "BROKER_DIR": str(tmp_path_factory.mktemp("api-broker")),
        # Thousands of generated requests from one token; the limit itself is tested in the unit tier.
        "API_RATE_LIMIT": "1000000 per minute",
    })
    with app.app_context():
        upgrade()
        load_demo_data()
        tokens = {}
        for email in ("commissioner@demo.test", "provider2@demo.test"):
            user = db.session.scalars(db.select(User).where(User.email == email)).one()
            tokens[email.split("@")[0]] = create_token(user, "schemathesis", "write")[1]
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url, server.tokens = f"http://127.0.0.1:{server.server_port}", tokens
    yield server
    server.shutdown()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    services.drop_database(name)
    limiter.init_app(live_app)   # one storage per extension object: give the live app its own back


@schemathesis.check
def refusals_are_explained(ctx, response, case):
    """A 422 says which fields and why, in the documented error shape."""
    if response.status_code == 422:
        body = response.json()
        assert body["code"] == 422 and body["message"], body
        assert body.get("errors") or body["message"] != "Some of the input was refused; see errors.", body


def test_every_operation_answers_as_documented(api_server):
    from hypothesis import given
    api_schema = schemathesis.openapi.from_url(f"{api_server.url}/api/openapi.json")
    failures, tried = [], []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        # Providers fill in returns; everything else is read or written as a commissioner.
        who = "provider2" if operation.method.upper() == "PATCH" else "commissioner"
        headers = {"Authorization": f"Bearer {api_server.tokens[who]}"}

        writes = operation.method.upper() in ("POST", "PATCH")

        @settings(max_examples=60, deadline=None, database=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        @given(case=operation.as_strategy())
        def run(case):
            # A write can be well formed and still make no sense (an age range upside down, a KPI
            # the contract does not have, a locality that does not exist): those get an explained
            # 422 instead. Reads have no such rules, so any well-formed query must be answered.
            case.call_and_validate(base_url=api_server.url, headers=headers,
                                   excluded_checks=[positive_data_acceptance] if writes else None,
                                   additional_checks=[refusals_are_explained] if writes else None)
        tried.append(f"{operation.method.upper()} {operation.path}")
        try:
            run()
        except Exception as exc:  # noqa: BLE001 (every operation is tried; all failures are reported)
            failures.append(f"{tried[-1]}: {exc}")
    assert len(tried) == 15, tried
    assert failures == [], "\n\n".join(failures)


def test_the_demo_is_reachable_through_the_api(api_server):
    """The generated cases hit real rows, not only 404s: the demo's records are there to be found."""
    import requests
    headers = {"Authorization": f"Bearer {api_server.tokens['commissioner']}"}
    for path, at_least in (("/api/v1/needs", 3), ("/api/v1/contracts", 3), ("/api/v1/returns", 12),
                           ("/api/v1/opportunities", 2), ("/api/v1/indicators", 4), ("/api/v1/panel-results", 1)):
        body = requests.get(api_server.url + path, headers=headers, timeout=10).json()
        assert body["total"] >= at_least, (path, body["total"])
