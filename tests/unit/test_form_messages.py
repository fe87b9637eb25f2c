"""Nobody reads WTForms' own messages ("Not a valid integer value.", "Not a valid choice."):
every form of the service is filled in badly and each error it gives is checked against the
messages WTForms and Flask-WTF can produce, read from their own source so that a message this
service has not thought of is caught too."""
import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import flask_wtf
import pytest
import wtforms
from werkzeug.datastructures import MultiDict

import commissioning
from commissioning.core.forms import Form, parse_day_month_year


def _library_messages():
    """Every string literal WTForms and Flask-WTF raise or translate, as a whole-message pattern."""
    sources = [*Path(wtforms.__file__).parent.rglob("*.py"), *Path(flask_wtf.__file__).parent.rglob("*.py")]
    found = set()
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name not in ("gettext", "ngettext", "ValidationError", "ValueError", "StopValidation"):
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and " " in arg.value \
                        and arg.value[:1].isupper():
                    found.add(arg.value)
    patterns = []
    for text in found:
        pattern = re.escape(text)
        pattern = re.sub(r"%\\\(\w+\\\)[sd]|%[sd]|\\\{\w+\\\}", ".*", pattern)
        patterns.append(re.compile(pattern + r"\Z"))
    return patterns


LIBRARY_MESSAGES = _library_messages()


def test_the_library_messages_are_found():
    """The check below is only as good as this list: it must hold the ones people saw."""
    texts = ["Not a valid integer value.", "Not a valid choice.", "This field is required.",
             "Field cannot be longer than 200 characters.", "The CSRF token is missing."]
    for text in texts:
        assert any(p.match(text) for p in LIBRARY_MESSAGES), text
    assert len(LIBRARY_MESSAGES) > 25


def _all_form_classes():
    for info in pkgutil.walk_packages(commissioning.__path__, "commissioning."):
        if info.name.endswith(".forms"):
            importlib.import_module(info.name)
    seen, todo = set(), [Form]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return sorted(seen, key=lambda c: f"{c.__module__}.{c.__qualname__}")


FORMS = _all_form_classes()


def _build(cls, formdata):
    params = inspect.signature(cls.__init__).parameters
    kwargs = {"formdata": formdata, "meta": {"csrf": False}}
    for name, param in params.items():
        if name in ("self", "formdata", "obj", "prefix", "data", "meta", "args", "kwargs") \
                or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or param.default is not param.empty:
            continue
        kwargs[name] = None
    return cls(**kwargs)


def _leaves(form):
    for field in form:
        entries = getattr(field, "entries", None)
        sub = getattr(field, "form", None)
        if entries is not None:
            for entry in entries:
                inner = getattr(entry, "form", None)
                yield from (_leaves(inner) if inner is not None and hasattr(inner, "_fields") else [entry])
        elif sub is not None and hasattr(sub, "_fields"):
            yield from _leaves(sub)
        else:
            yield field


def _bad_data(form, value):
    data = MultiDict()
    for field in _leaves(form):
        if field.type in ("CSRFTokenField", "_KeyedCSRFTokenField", "FileField", "MultipleFileField"):
            continue
        if type(field.widget).__name__ == "GovDateInput":
            for _ in range(3):
                data.add(field.name, value)
        else:
            data.add(field.name, value)
    return data


def _messages(form):
    out = []
    for field in _leaves(form):
        out.extend(e for e in field.errors if isinstance(e, str))
    for field in form:
        if getattr(field, "entries", None) is not None:
            out.extend(e for e in field.errors if isinstance(e, str))
    return out


@pytest.mark.parametrize("value", ["", "nonsense ✓", "-1.5e999", "x" * 5000])
@pytest.mark.parametrize("cls", FORMS, ids=lambda c: f"{c.__module__.split('.')[1]}.{c.__name__}")
def test_no_form_shows_a_library_message(app, cls, value):
    with app.test_request_context("/", method="POST"):
        try:
            empty = _build(cls, None)
        except TypeError as exc:  # pragma: no cover - a form that needs arguments must say so here
            pytest.fail(f"{cls.__name__} cannot be built for this check: {exc}")
        form = _build(cls, _bad_data(empty, value))
        for field in _leaves(form):
            if hasattr(field, "choices") and field.choices is None:
                field.choices = [("1", "One")]  # the views fill these in
        form.validate()
        leaked = [m for m in _messages(form) if any(p.match(m) for p in LIBRARY_MESSAGES)]
        assert not leaked, f"{cls.__name__} shows {leaked}"


def test_a_missing_csrf_token_is_explained(app):
    from commissioning.core.forms import ConfirmForm
    with app.test_request_context("/", method="POST", data={}):
        app.config["WTF_CSRF_ENABLED"] = True
        try:
            form = ConfirmForm()
            assert not form.validate()
        finally:
            app.config["WTF_CSRF_ENABLED"] = False
        messages = _messages(form)
        assert messages and not any(p.match(m) for m in messages for p in LIBRARY_MESSAGES), messages
        assert "send the form again" in messages[0]


@pytest.mark.parametrize("boxes, expected", [
    (["31", "12", "2026"], (2026, 12, 31)), (["31/12/2026", "", ""], (2026, 12, 31)),
    (["31-12-2026", "", ""], (2026, 12, 31)), (["2026-12-31", "", ""], (2026, 12, 31)),
    (["1.2.2027", "", ""], (2027, 2, 1)), ([" 5 ", "4", "2027"], (2027, 4, 5))])
def test_dates_are_read_the_ways_people_write_them(boxes, expected):
    assert parse_day_month_year(boxes, "Due date").timetuple()[:3] == expected


@pytest.mark.parametrize("boxes, message", [
    (["31", "2", "2027"], "Due date must be a real date, like 27 3 2026"),
    (["31", "12", "27"], "Due date must have a four-digit year, like 2026"),
    (["tomorrow", "", ""], "Due date must be a real date, like 27 3 2026")])
def test_unreadable_dates_say_how_to_write_one(boxes, message):
    with pytest.raises(ValueError, match=message):
        parse_day_month_year(boxes, "Due date")
    assert parse_day_month_year(["", "", ""], "Due date") is None


# Seen: "action due dates accept only ISO (31/12/2026 refused)". The review form now asks for the
# date in the GOV.UK day, month and year boxes, and still reads a date typed whole into the first.
from tests.unit.test_monitoring import _fill, _first_due, active  # noqa: E402,F401 - the fixture


@pytest.mark.parametrize("boxes", [
    {"action-0-due-day": "31", "action-0-due-month": "12", "action-0-due-year": "2099"},
    {"action-0-due-day": "31/12/2099"},
    {"action-0-due": "31/12/2099"}])
def test_a_monitor_gives_an_action_due_date_as_people_write_it(active, login, client, boxes):
    from commissioning.monitoring import operations as ops
    from commissioning.monitoring.models import ReturnStatus
    agreement, provider, monitor, _c = active()
    due = _first_due(agreement)
    ret = ops.return_for(due)
    _fill(ret, provider)
    ops.submit_return(ret, provider)
    db_commit()
    login(monitor)
    page = client.get(f"/returns/{due.id}").get_data(as_text=True)
    assert 'name="action-0-due-day"' in page and 'name="action-0-due-year"' in page
    response = client.post(f"/returns/{due.id}/accept", data={
        "overall": ret.suggested_rag.value, "action-0-text": "Plan the summer venues", "action-0-owner": "Pat",
        **boxes})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    ret = ops.return_for(_first_due(agreement))
    assert ret.status is ReturnStatus.accepted
    assert [a.due_on.isoformat() for a in ret.actions] == ["2099-12-31"]


def test_an_impossible_action_date_is_refused_on_its_boxes(active, login, client):
    from commissioning.monitoring import operations as ops
    agreement, provider, monitor, _c = active()
    due = _first_due(agreement)
    ret = ops.return_for(due)
    _fill(ret, provider)
    ops.submit_return(ret, provider)
    db_commit()
    login(monitor)
    response = client.post(f"/returns/{due.id}/accept", data={
        "overall": ret.suggested_rag.value, "action-0-text": "Plan", "action-0-owner": "Pat",
        "action-0-due-day": "31", "action-0-due-month": "2", "action-0-due-year": "2099"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Action 1&#39;s due date must be a real date, like 27 3 2026" in page or \
        "Action 1's due date must be a real date, like 27 3 2026" in page
    assert 'href="#action-0-due"' in page and 'value="31"' in page


def db_commit():
    from commissioning.extensions import db
    db.session.commit()
