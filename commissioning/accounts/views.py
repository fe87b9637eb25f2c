"""Sign in, sign out and password reset."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from commissioning.accounts import operations
from commissioning.accounts.forms import LoginForm, LogoutForm, PasswordResetForm, PasswordResetRequestForm
from commissioning.accounts.util import (
    ResetTokenError, normalise_email, password_matches, user_by_email, user_for_reset_token)
from commissioning.core.permissions import login_required
from commissioning.extensions import limiter

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
        operations.record_logout(current_user)
        logout_user()
        flash("You have signed out.")
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
        flash("Your password has been changed. Sign in with your new password.")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)
