"""Sign in, sign out, password reset, and the person's own account page (sessions, password)."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from commissioning.accounts import operations
from commissioning.accounts.forms import (
    ChangePasswordForm, LoginForm, LogoutForm, PasswordResetForm, PasswordResetRequestForm)
from commissioning.accounts.models import UserSession
from commissioning.accounts.util import (
    ResetTokenError, live_sessions, normalise_email, password_matches, user_by_email, user_for_reset_token)
from commissioning.core import notices
from commissioning.core.forms import ConfirmForm
from commissioning.core.permissions import login_required
from commissioning.extensions import db, limiter

bp = Blueprint("accounts", __name__)


def _login_key():
    return f"{request.remote_addr}|{normalise_email(request.form.get('email'))}"


def _safe_next(target):
    """Only same-site paths, so the login page cannot be used as an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=_login_key)
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    next_url = _safe_next(request.args.get("next"))
    if form.validate_on_submit():
        user = user_by_email(form.email.data)
        if password_matches(user, form.password.data) and user.active:
            login_user(user)
            operations.record_login(user)
            return redirect(next_url or url_for("main.dashboard"))
        operations.record_failed_login(form.email.data, user)
        form.email.errors.append("Enter a correct email address and password")
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        operations.sign_out(current_user)
        logout_user()
        session.clear()  # nothing of this sign-in (CSRF secret, flashes) is left for the next person
        notices.success("You have signed out.")
    return redirect(url_for("main.home"))


@bp.route("/password-reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], key_func=_login_key)
def request_reset():
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        user = user_by_email(form.email.data)
        if user is not None and user.active:
            operations.request_password_reset(user)
        return render_template("accounts/reset_sent.html", email=normalise_email(form.email.data))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        user = user_for_reset_token(token)
    except ResetTokenError as exc:
        return render_template("accounts/reset_invalid.html", reason=exc.reason), 400
    form = PasswordResetForm()
    if form.validate_on_submit():
        operations.reset_password(user, form.password.data)
        notices.success("Your password has been changed. Sign in with your new password.")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account")
@login_required
def account():
    """The person's own sign-ins, so they can end one they do not recognise."""
    return render_template("accounts/account.html", sessions=live_sessions(current_user),
                           this_session=current_user.current_session, form=None,
                           confirm_form=ConfirmForm(formdata=None))


@bp.route("/account/sessions/<int:session_id>/sign-out", methods=["POST"])
@login_required
def sign_out_device(session_id):
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != current_user.id:
        abort(404)  # another person's session is not there for you, not even to be refused
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if current_user.current_session is not None and row.id == current_user.current_session.id:
        return redirect(url_for("accounts.account"))  # this device signs out with "Sign out"
    operations.sign_out_device(current_user, row)
    notices.success(f"You have signed out of {row.device}. Anyone using that sign-in will have to sign in again.")
    return redirect(url_for("accounts.account"))


@bp.route("/account/sessions/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.sign_out_everywhere(current_user)
    logout_user()
    session.clear()
    notices.success("You have signed out on every device, this one too. Sign in again to carry on.")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not password_matches(current_user, form.current.data):
            form.current.errors.append("Your current password is not right. Enter it again, or sign out and "
                                       "reset it from the sign-in page")
        else:
            operations.change_password(current_user, form.password.data)
            notices.success("Your password has been changed. You are still signed in here; every other device has been "
                            "signed out.")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form), 400 if form.errors else 200
