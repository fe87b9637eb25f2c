"""Pages about the API: the reference for developers, and each user's tokens."""
from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_login import current_user

from commissioning.api import operations
from commissioning.api.forms import TokenForm
from commissioning.api.models import ApiToken
from commissioning.api.util import tokens_of
from commissioning.core import notices
from commissioning.core.confirm import ask_first
from commissioning.core.forms import ConfirmForm
from commissioning.core.permissions import login_required
from commissioning.extensions import db
from commissioning.idempotency.operations import set_replay_note

bp = Blueprint("api_pages", __name__)


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    if form.validate_on_submit():
        days = None if form.expiry.data == "never" else int(form.expiry.data)
        token, plain = operations.create_token(current_user, form.name.data, form.scope.data, days)
        # Shown in this response only: never flashed (the session cookie is signed, not secret), never stored.
        # A second click gets the first click's answer, which cannot hold the token again: say so.
        set_replay_note(f"Your token “{token.name}” was made once, by your first click, and can only be "
                        "shown once. If you did not copy it, revoke it below and create another.")
        return render_template("api/token_created.html", token=token, plain=plain)
    return render_template("api/tokens.html", form=form, tokens=tokens_of(current_user),
                           revoke_form=ConfirmForm(formdata=None)), 400 if form.errors else 200


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)   # another person's token is not there for you, not even to be refused
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if (page := ask_first(f"Revoke the token “{token.name}”?", "Anything that uses this token will be refused from now on.",
                          "Yes, revoke the token", "You can create a new token at any time; it will have a new "
                          "secret.", url_for("api_pages.tokens"))):
        return page
    operations.revoke_token(token, current_user)
    notices.success(f"Token “{token.name}” revoked. Anything still using it will be refused.")
    return redirect(url_for("api_pages.tokens"))


@bp.route("/api")
def reference():
    """The API's reference page, listed from the same OpenAPI document the code generates."""
    spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    operations_list = [
        {"method": method.upper(), "path": path, "summary": op.get("summary", ""), "tag": (op.get("tags") or [""])[0]}
        for path, item in spec["paths"].items() for method, op in item.items() if method in ("get", "post", "patch")]
    return render_template("api/reference.html", operations=operations_list, tags=spec.get("tags", []),
                           rate_limit=current_app.config["API_RATE_LIMIT"])
