"""axe-core on every page of the demo, as anonymous and as each role, in real Chromium."""
from types import SimpleNamespace

import pytest

from commissioning.accounts.models import Organisation, Role
from commissioning.extensions import db
from commissioning.mail.operations import queue_email
from tests.browser.conftest import run_axe, sign_in
from tests.unit.test_access import ACCESS

DEMO_USERS = {
    "admin": "admin@demo.test", "commissioner": "commissioner@demo.test", "evaluator": "evaluator@demo.test",
    "provider": "provider@demo.test", "panel_facilitator": "facilitator@demo.test",
    "panel_member": "member@demo.test", "contract_monitor": "monitor@demo.test",
}


@pytest.fixture(scope="module")
def demo_objects(live_app):
    with live_app.app_context():
        org = db.session.scalars(db.select(Organisation).where(
            Organisation.name == "Alt Valley Youth Partnership")).one()
        mail = queue_email("parent@example.org", "test", "A message to read", "password_changed",
                           user_name="Parent")
        db.session.commit()
        ids = {"provider_org": org.id, "mail": mail.id}
        db.session.remove()
    # The access table's URL builders only read `.id`.
    return {key: SimpleNamespace(id=value) for key, value in ids.items()}


def pages_for(role, objects):
    return sorted({build(objects) for build, table in ACCESS.values() if table[role] == 200})


def test_roles_cover_every_role():
    assert set(DEMO_USERS) == {r.value for r in Role}


@pytest.mark.parametrize("role", ["anonymous"] + sorted(DEMO_USERS))
def test_no_wcag_violations_on_any_page(role, axe_page, live_server, demo_objects):
    if role != "anonymous":
        sign_in(axe_page, live_server.url, DEMO_USERS[role])
    problems = {}
    for path in pages_for(role, demo_objects):
        if path == "/healthz":
            continue  # JSON, not a page
        response = axe_page.goto(live_server.url + path)
        assert response.status == 200, path
        violations = run_axe(axe_page)
        if violations:
            problems[path] = violations
    assert problems == {}


def test_no_wcag_violations_on_error_states(axe_page, live_server):
    axe_page.goto(live_server.url + "/login")
    axe_page.get_by_role("button", name="Sign in").click()
    axe_page.wait_for_selector(".govuk-error-summary")
    assert run_axe(axe_page) == []
    response = axe_page.goto(live_server.url + "/no-such-page")
    assert response.status == 404
    assert run_axe(axe_page) == []
    response = axe_page.goto(live_server.url + "/password-reset/not-a-real-token")
    assert response.status == 400
    assert run_axe(axe_page) == []


def test_axe_reports_a_real_violation(axe_page):
    """The checker itself works: an unlabelled field and an image without alt text are caught."""
    axe_page.set_content('<html lang="en"><head><title>t</title></head><body><main>'
                         '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text">'
                         '</main></body></html>')
    ids = {v["id"] for v in run_axe(axe_page)}
    assert {"image-alt", "label"} <= ids
