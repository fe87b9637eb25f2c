"""Per-request machinery made cheaper without changing what it produces (issue 19)."""
import re

import pytest
from flask import render_template, render_template_string
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxesInput, GovCheckboxInput, GovPasswordInput, GovRadioInput,
                                                GovSubmitInput, GovTextArea, GovTextInput)
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Form, PasswordField, RadioField, SelectMultipleField, StringField, SubmitField, \
    TextAreaField

from commissioning.core.forms import DayMonthYearField


class EveryWidget(Form):
    name = StringField("Name", widget=GovTextInput(), description="As it is on the register")
    notes = TextAreaField("Notes", widget=GovTextArea())
    agree = BooleanField("I agree", widget=GovCheckboxInput())
    kinds = SelectMultipleField("Kinds", choices=[("a", "Arts & <crafts>"), ("b", "Sport")],
                                widget=GovCheckboxesInput())
    route = RadioField("Route", choices=[("open", "Open"), ("grant", 'Grant "round"')], widget=GovRadioInput())
    secret = PasswordField("Password", widget=GovPasswordInput())
    starts = DayMonthYearField("Starts")
    send = SubmitField("Send", widget=GovSubmitInput())


def _library_render(widget, params):
    """What govuk-frontend-wtf itself does: the widget template through Flask's render_template."""
    return render_template(widget.template, params=params)


@pytest.mark.parametrize("data", [{}, {"name": "Croxteth <Gems> & \"Friends\"", "notes": "a\nb", "agree": "y",
                                      "kinds": ["a", "b"], "route": "grant", "starts": ["1", "4", "2026"]}],
                         ids=["empty", "filled with markup to escape"])
def test_every_gov_widget_writes_what_the_library_writes(app, data, monkeypatch):
    form_data = MultiDict()
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            form_data.add(key, item)
    with app.test_request_context():
        form = EveryWidget(form_data)
        form.validate()
        form.name.errors = ["Enter the name"]
        ours = {field.name: str(field(params={"classes": "app-x"} if field.name == "name" else {}))
                for field in form}
        from govuk_frontend_wtf.gov_form_base import GovFormBase
        monkeypatch.setattr(GovFormBase, "render", lambda self, params: _library_render(self, params))
        theirs = {field.name: str(field(params={"classes": "app-x"} if field.name == "name" else {}))
                  for field in form}
    assert ours == theirs
    assert "Enter the name" in ours["name"] and "app-x" in ours["name"]
    if data:
        assert "&lt;Gems&gt;" in ours["name"] and "<Gems>" not in ours["name"]
        assert "checked" in ours["agree"] and ours["kinds"].count("checked") == 2


def test_a_widget_no_longer_runs_the_context_processors(app):
    calls = []

    def spy():
        calls.append(1)
        return {}
    # Appended directly: the session's app has served requests by now, so Flask refuses the decorator.
    app.template_context_processors[None].append(spy)
    try:
        with app.test_request_context():
            form = EveryWidget()
            html = str(form.name()) + str(form.send())
            assert 'name="name"' in html and "Send" in html
            assert calls == []
            render_template_string("{{ 1 }}")
            assert calls == [1]  # the page itself still gets every processor
    finally:
        app.template_context_processors[None].remove(spy)


def test_the_sign_out_form_is_made_once_per_request_and_follows_sign_in(app, create_user, monkeypatch):
    from flask_login import login_user, logout_user

    from commissioning.accounts import forms
    from commissioning.accounts.models import Role
    made = []
    real = forms.LogoutForm

    class Counting(real):
        def __init__(self, *args, **kwargs):
            made.append(1)
            super().__init__(*args, **kwargs)
            self.serial = len(made)

    monkeypatch.setattr(forms, "LogoutForm", Counting)
    user = create_user(role=Role.commissioner)
    page = "{{ 'out' if logout_form is none else logout_form.serial }}"
    with app.test_request_context():
        assert render_template_string(page) == "out" and made == []
        login_user(user)
        first = render_template_string(page)
        second = render_template_string(page)
        assert first == second == "1" and made == [1]
        logout_user()
        assert render_template_string(page) == "out"
        login_user(user)
        again = render_template_string(page)
        assert again == "2"  # a new sign-in gets a new form (and with it the new CSRF secret)


def test_templates_import_macros_through_the_cheap_check(app):
    from commissioning.core.templating import ImportingTemplate
    template = app.jinja_env.get_template("govuk_frontend_jinja/components/tag/macro.html")
    assert isinstance(template, ImportingTemplate)


def _import_scenario(template_class):
    """Pages that import a macro, with and without a global the macro's template lacks."""
    from jinja2 import DictLoader, Environment
    env = Environment(loader=DictLoader({
        "m.html": "{% macro shout(x) %}{{ x|upper }}{{ extra|default('') }}{% endmacro %}",
        "page.html": "{% from 'm.html' import shout %}{{ shout(word) }}",
        "other.html": "{% from 'm.html' import shout %}[{{ shout(word) }}]",
    }))
    env.template_class = template_class
    env.globals["known"] = 1
    out = [env.get_template("page.html").render(word="hi")]
    out.append(env.get_template("other.html", globals={"extra": "!"}).render(word="hi"))
    out.append(env.get_template("page.html").render(word="yo"))
    return out


def test_the_import_check_answers_as_jinja_does(app):
    from jinja2 import Template

    from commissioning.core.templating import ImportingTemplate, has_new_globals
    assert _import_scenario(ImportingTemplate) == _import_scenario(Template) == ["HI", "[HI!]", "YO"]
    from jinja2 import DictLoader, Environment
    env = Environment(loader=DictLoader({"m.html": "", "p.html": ""}))
    env.template_class = ImportingTemplate
    imported = env.get_template("m.html")
    assert has_new_globals(env.get_template("p.html").new_context(), imported) is False
    # (Jinja adds globals given to get_template to the cached template itself.)
    assert has_new_globals(env.get_template("p.html", globals={"extra": "!"}).new_context(), imported) is True


@pytest.mark.parametrize("field_args, data", [
    ({"coerce": int, "choices": [(n, f"Provider {n} & <sons>") for n in range(1, 300)]}, {"pick": "7"}),
    ({"coerce": lambda v: v == "True" if isinstance(v, str) else v, "choices": [(True, "Yes"), (False, "No")]},
     {"pick": "False"}),
    ({"choices": [("", "Any"), ("a", 'A "quoted" one')]}, {}),
], ids=["ints, one chosen", "booleans", "strings, nothing chosen"])
def test_the_select_writes_its_choices_as_the_library_does(app, field_args, data):
    from govuk_frontend_wtf.wtforms_widgets import GovSelect as LibrarySelect
    from wtforms import SelectField

    from commissioning.core.widgets import GovSelect

    def form(widget):
        class F(Form):
            pick = SelectField("Pick", widget=widget, **field_args)
        return F(MultiDict(data))

    with app.test_request_context():
        ours = str(form(GovSelect()).pick(params={"classes": "govuk-!-width-full"}))
        theirs = str(form(LibrarySelect()).pick(params={"classes": "govuk-!-width-full"}))
    squeeze = lambda html: re.sub(r">\s+<", "><", html).strip()  # noqa: E731
    assert squeeze(ours) == squeeze(theirs)
    assert ours.count("<option") == len(field_args["choices"])
    assert ours.count(" selected") == (1 if data else 0)
