"""The demo on SQLite, built once per test run and copied for each module that scales it.

Used by test_demo_scale.py and test_queries_at_scale.py. Those modules use an app of their own on a
SQLite file, not the suite's PostgreSQL app, so they replace the suite's per-test rollback fixture.
"""
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path


from commissioning import create_app
from commissioning.extensions import db
from tests.fixtures.queries import counting_queries  # noqa: F401 (the tests import it from here)

CONFIG = {"APP_ENV": "test", "SECRET_KEY": "test-secret-key", "WTF_CSRF_ENABLED": False, "OUTBOX_DISPATCH": "hold",
          "MAIL_BACKEND": "outbox", "REDIS_URL": "", "SERVER_NAME": "localhost",
          "LOGIN_RATE_LIMIT": "1000 per minute", "API_RATE_LIMIT": "10000 per minute"}


def _app(path, broker):
    from tests.conftest import StrictHTMLClient
    app = create_app({**CONFIG, "DATABASE_URL": f"sqlite:///{path}", "BROKER_DIR": str(broker)})
    app.test_client_class = StrictHTMLClient
    return app


@lru_cache(maxsize=1)
def _base_file():
    """Migrations and the plain demo, once per run (the slow part: about half a minute)."""
    from flask_migrate import upgrade

    from commissioning.demo import load_demo_data
    folder = Path(tempfile.mkdtemp(prefix="scaled-demo-"))
    path = folder / "base.sqlite"
    app = _app(path, folder / "broker")
    with app.app_context():
        upgrade()
        load_demo_data()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return path


def demo_app(tmp_path):
    """An app on a fresh copy of the demo database."""
    path = tmp_path / "demo.sqlite"
    shutil.copy(_base_file(), path)
    return _app(path, tmp_path / "broker")


def page_urls():
    """The ten busiest pages (issue 19) as (label, url, who): who signs in, or "token" for the API."""
    from commissioning.accounts.models import User
    from commissioning.demo_cycle import PARTICIPATION
    from commissioning.demo_scale import UNIT_EMAIL
    from commissioning.indicators.models import Indicator
    from commissioning.needs.models import Need, NeedStatus
    from commissioning.opportunities.models import Opportunity, OpportunityStatus
    from commissioning.bids.models import Bid
    first_unit = db.session.scalars(db.select(User).where(User.email == UNIT_EMAIL.format(k=1))).first()
    # An opportunity of the first unit when there is one: its page is then the same at every scale.
    query = db.select(Opportunity).where(Opportunity.status == OpportunityStatus.open).order_by(Opportunity.id)
    if first_unit is not None:
        query = query.join(Bid, Bid.opportunity_id == Opportunity.id).where(
            Bid.organisation_id == first_unit.memberships[0].organisation_id)
    opp = db.session.scalars(query).first()
    need = db.session.scalars(db.select(Need).where(Need.status == NeedStatus.specified).order_by(Need.id)).first()
    indicator = db.session.scalars(db.select(Indicator).where(Indicator.name == PARTICIPATION)).one()
    return [
        ("home", "/", None),
        ("whats-on", "/whats-on", None),
        ("opportunities", "/opportunities", None),
        ("opportunity", f"/opportunities/{opp.id}", None),
        ("indicator", f"/indicators/{indicator.id}", None),
        ("need", f"/needs/{need.id}", "commissioner@demo.test"),
        ("contracts register", "/contracts", "commissioner@demo.test"),
        ("provider dashboard", "/dashboard", "provider@demo.test"),
        ("api opportunities", "/api/v1/opportunities", None),
        ("api contracts", "/api/v1/contracts", "token"),
        ("api needs", "/api/v1/needs", "token"),
        ("api returns", "/api/v1/returns", "token"),
        ("ocds releases", "/open-data/ocds/releases.json", None),
    ]


def clients(app):
    """Test clients signed in as each person the pages need, and an API token header (commissioner)."""
    from commissioning.accounts.models import User
    from commissioning.api.operations import create_token
    signed_in = {}
    for email in ("commissioner@demo.test", "provider@demo.test"):
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": "demo-password"})
        assert response.status_code == 302, f"could not sign in as {email}"
        signed_in[email] = client
    commissioner = db.session.scalars(db.select(User).where(User.email == "commissioner@demo.test")).one()
    _row, plain = create_token(commissioner, "scale tests", "read")
    db.session.commit()
    return signed_in, {"Authorization": f"Bearer {plain}"}


def get(app, signed_in, headers, who, url):
    if who == "token":
        return app.test_client().get(url, headers=headers)
    return (signed_in[who] if who else app.test_client()).get(url)
