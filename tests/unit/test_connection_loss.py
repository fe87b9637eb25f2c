"""A lost database connection: a POST is answered 503 with nothing saved, a read is run once more."""
import psycopg
from sqlalchemy.exc import OperationalError

from commissioning.accounts import operations as account_operations
from commissioning.accounts.models import Role
from commissioning.api.operations import create_token
from commissioning.extensions import db
from commissioning.mail.models import OutgoingEmail


def _cut():
    """What SQLAlchemy raises when PostgreSQL terminates the connection under a statement."""
    return OperationalError("SELECT 1", {}, psycopg.OperationalError("server closed the connection unexpectedly"),
                            connection_invalidated=True)


def test_a_post_that_loses_its_connection_is_503_and_saves_nothing(client, create_user, monkeypatch):
    user = create_user(Role.commissioner)
    original = account_operations.request_password_reset

    def reset_then_cut(who):
        original(who)          # queues the mail (a write), then the connection goes
        db.session.flush()
        raise _cut()
    monkeypatch.setattr(account_operations, "request_password_reset", reset_then_cut)
    response = client.post("/password-reset", data={"email": user.email})
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Sorry, the service is unavailable" in html
    assert "Try again in a few minutes. Nothing you sent was saved" in html
    assert response.headers["Retry-After"] == "60"
    assert db.session.scalar(db.select(db.func.count(OutgoingEmail.id))
                             .where(OutgoingEmail.to_address == user.email)) == 0


def test_an_api_write_that_loses_its_connection_is_503_in_the_api_shape(client, create_user, monkeypatch):
    _row, token = create_token(create_user(Role.commissioner), "test", "write")
    db.session.commit()

    def cut(_token):
        raise _cut()
    monkeypatch.setattr("commissioning.api.v1.touch", cut)
    response = client.post("/api/v1/needs", json={}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    body = response.get_json()
    assert body["code"] == 503 and body["status"] == "Service Unavailable"
    assert "Nothing you sent was saved" in body["message"]


def test_a_read_that_loses_its_connection_is_run_once_more(client, monkeypatch):
    from commissioning.main import views
    calls = []
    original = views.all_localities

    def cut_once():
        calls.append(1)
        if len(calls) == 1:
            raise _cut()
        return original()
    monkeypatch.setattr(views, "all_localities", cut_once)
    response = client.get("/")
    assert response.status_code == 200 and len(calls) == 2


def test_a_read_that_loses_it_twice_is_503_not_500(client, monkeypatch):
    from commissioning.main import views
    calls = []

    def always_cut():
        calls.append(1)
        raise _cut()
    monkeypatch.setattr(views, "all_localities", always_cut)
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and len(calls) == 2
    assert "Sorry, the service is unavailable" in html and "Try again in a few minutes" in html
    assert "Nothing you sent was saved" not in html


def test_other_database_errors_are_still_500(client, monkeypatch):
    from commissioning.main import views

    def broken():
        raise OperationalError("SELECT 1", {}, psycopg.errors.DivisionByZero("division by zero"))
    monkeypatch.setattr(views, "all_localities", broken)
    assert client.get("/").status_code == 500
