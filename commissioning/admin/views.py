from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from commissioning.accounts import operations as account_ops
from commissioning.accounts.models import Membership, Organisation, User, UserSession
from commissioning.accounts.util import list_organisations, live_sessions, search_people, sessions_of
from commissioning.admin.forms import AuditFilterForm, MembershipForm, OrgAdminForm, PeopleFilterForm, RolesForm
from commissioning.audit.util import audit_facets, sealed_audit_counts, search_audit
from commissioning.core import notices
from commissioning.core.confirm import ask_first
from commissioning.core.forms import ConfirmForm
from commissioning.core.pagination import page_args
from commissioning.core.permissions import ensure, login_required, permission_required
from commissioning.extensions import db
from commissioning.mail.util import mail_for_staff, outbox_page, sealed_mail_counts

bp = Blueprint("admin", __name__)


@bp.route("/admin/audit")
@permission_required("can_view_audit_log")
def audit_log():
    form = AuditFilterForm(formdata=request.args)
    actions, types = audit_facets()
    people = db.session.execute(db.select(User.id, User.name).order_by(User.name)).all()
    form.action.choices = [("", "Any action")] + [(a, a) for a in actions]
    form.object_type.choices = [("", "Any object")] + [(t, t) for t in types]
    form.user.choices = [("", "Anyone")] + [(str(i), n) for i, n in people]
    valid = form.validate() if request.args else True
    page, per_page = page_args()
    entries = search_audit(
        action=form.action.data or None, object_type=form.object_type.data or None,
        user_id=int(form.user.data) if form.user.data and valid else None,
        date_from=form.date_from.data if valid else None,
        date_to=form.date_to.data if valid else None, page=page, per_page=per_page)
    # Sealed entries are only counted, and never for a person or a date: either would say who bid.
    by_person_or_date = form.user.data or form.date_from.data or form.date_to.data
    sealed = [] if by_person_or_date else sealed_audit_counts(form.action.data or None,
                                                              form.object_type.data or None)
    return render_template("admin/audit.html", form=form if request.args else None,
                           filter_form=form, entries=entries, sealed=sealed)


@bp.route("/admin/mail")
@permission_required("can_read_mail_outbox")
def mail_outbox():
    page, per_page = page_args()
    to = request.args.get("to", "").strip()
    sealed = [] if to else sealed_mail_counts()  # a count for one address would say whether it bid
    return render_template("admin/mail_outbox.html", mails=outbox_page(to or None, page, per_page), to=to,
                           sealed=sealed)


@bp.route("/admin/mail/<int:email_id>")
@permission_required("can_read_mail_outbox")
def mail_message(email_id):
    mail, seal = mail_for_staff(email_id)
    if mail is None:
        abort(404)
    return render_template("admin/mail_message.html", mail=mail, seal=seal)


@bp.route("/admin/users")
@permission_required("can_manage_users")
def users():
    form = PeopleFilterForm(formdata=request.args)
    valid = form.validate() if request.args else True
    page, per_page = page_args()
    people = search_people(q=(form.q.data or "").strip() or None if valid else None,
                           role=form.role.data or None if valid else None,
                           status=form.status.data or None if valid else None, page=page, per_page=per_page)
    return render_template("admin/users.html", users=people, filter_form=form,
                           form=form if request.args and not valid else None)


def _person(user_id):
    return db.session.get(User, user_id) or abort(404)


def _person_page(user, roles_form=None, membership_form=None, status=200):
    from commissioning.api.util import tokens_of
    roles_form = roles_form or RolesForm(formdata=None, roles=sorted(user.role_set))
    membership_form = membership_form or MembershipForm(formdata=None)
    _organisation_choices(membership_form, user)
    return render_template("admin/person.html", person=user, sessions=sessions_of(user),
                           live=set(s.id for s in live_sessions(user)), tokens=tokens_of(user),
                           roles_form=roles_form, membership_form=membership_form,
                           confirm_form=ConfirmForm(formdata=None), own=user.id == current_user.id,
                           form=roles_form if roles_form.errors else membership_form), status


def _organisation_choices(form, user):
    member_of = {m.organisation_id for m in user.memberships}
    form.organisation.choices = [("", "Choose an organisation")] + [
        (str(o.id), o.name) for o in list_organisations() if o.id not in member_of]


def _refused(user, exc):
    notices.refusal(str(exc))
    return redirect(url_for("admin.person", user_id=user.id))


@bp.route("/admin/users/<int:user_id>")
@permission_required("can_manage_users")
def person(user_id):
    return _person_page(_person(user_id))


@bp.route("/admin/users/<int:user_id>/roles", methods=["POST"])
@permission_required("can_manage_users")
def change_roles(user_id):
    user = _person(user_id)
    form = RolesForm()
    if not form.validate_on_submit():
        return _person_page(user, roles_form=form, status=400)
    try:
        changed = account_ops.set_roles(user, form.roles.data or [], current_user)
    except account_ops.PeopleError as exc:
        return _refused(user, exc)
    if changed:
        notices.success(f"{user.name}'s roles are saved. They apply from their next page.")
    else:
        notices.info(f"{user.name}'s roles were already these. Nothing changed.")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@permission_required("can_manage_users")
def deactivate(user_id):
    """A confirmation step: deactivating signs the person out everywhere and stops their API tokens."""
    user = _person(user_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            account_ops.deactivate_user(user, current_user)
        except account_ops.PeopleError as exc:
            return _refused(user, exc)
        notices.success(f"{user.name}'s account is deactivated. They have been signed out everywhere and their API tokens "
                        "no longer work.")
        return redirect(url_for("admin.person", user_id=user.id))
    return render_template("admin/deactivate.html", person=user, confirm_form=form,
                           sessions=live_sessions(user), own=user.id == current_user.id)


@bp.route("/admin/users/<int:user_id>/reactivate", methods=["POST"])
@permission_required("can_manage_users")
def reactivate(user_id):
    user = _person(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    account_ops.reactivate_user(user, current_user)
    notices.success(f"{user.name}'s account is active again. They can sign in with their password, or reset it from the "
                    "sign-in page.")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/memberships", methods=["POST"])
@permission_required("can_manage_users")
def add_membership(user_id):
    user = _person(user_id)
    form = MembershipForm()
    _organisation_choices(form, user)
    if not form.validate_on_submit():
        return _person_page(user, membership_form=form, status=400)
    org = db.session.get(Organisation, int(form.organisation.data)) or abort(404)
    try:
        account_ops.add_membership(user, org, form.is_org_admin.data, current_user)
    except account_ops.PeopleError as exc:
        return _refused(user, exc)
    notices.success(f"{user.name} is now a member of {org.name}.")
    return redirect(url_for("admin.person", user_id=user.id))


def _theirs(model, obj_id, user):
    """The person's own membership, session or token by id: another person's is 404, like a missing one."""
    obj = db.session.get(model, obj_id)
    if obj is None or obj.user_id != user.id:
        abort(404)
    return obj


def _membership(user, membership_id):
    return _theirs(Membership, membership_id, user)


@bp.route("/admin/users/<int:user_id>/memberships/<int:membership_id>", methods=["POST"])
@permission_required("can_manage_users")
def change_membership(user_id, membership_id):
    user = _person(user_id)
    membership = _membership(user, membership_id)
    form = OrgAdminForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        account_ops.set_org_admin(membership, form.make_admin.data == "yes", current_user)
    except account_ops.PeopleError as exc:
        return _refused(user, exc)
    org = membership.organisation.name
    notices.success(f"{user.name} {'can now' if membership.is_org_admin else 'can no longer'} manage {org}'s people and "
                    "documents.")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/memberships/<int:membership_id>/remove", methods=["POST"])
@permission_required("can_manage_users")
def remove_membership(user_id, membership_id):
    user = _person(user_id)
    membership = _membership(user, membership_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    org = membership.organisation.name
    try:
        account_ops.remove_membership(membership, current_user)
    except account_ops.PeopleError as exc:
        return _refused(user, exc)
    notices.success(f"{user.name} is no longer a member of {org}.")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/sessions/<int:session_id>/revoke", methods=["POST"])
@permission_required("can_manage_users")
def revoke_session(user_id, session_id):
    user = _person(user_id)
    row = _theirs(UserSession, session_id, user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    account_ops.revoke_session(row, current_user)
    notices.success(f"{user.name} is signed out of {row.device}.")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/sessions/revoke", methods=["POST"])
@permission_required("can_manage_users")
def revoke_sessions(user_id):
    user = _person(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = account_ops.revoke_all_sessions(user, current_user)
    if count:
        notices.success(f"{user.name} is signed out everywhere.")
    else:
        notices.info(f"{user.name} was not signed in anywhere.")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@permission_required("can_manage_users")
def revoke_token(user_id, token_id):
    from commissioning.api.models import ApiToken
    from commissioning.api.operations import revoke_token as revoke
    user = _person(user_id)
    token = _theirs(ApiToken, token_id, user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if (page := ask_first(f"Revoke {user.name}'s token “{token.name}”?",
                          "Anything that uses this token will be refused from now on.", "Yes, revoke the token",
                          f"{user.name} can create a new token, with a new secret, if they still need one.",
                          url_for("admin.person", user_id=user.id))):
        return page
    revoke(token, current_user)
    notices.success(f"{user.name}'s token “{token.name}” is revoked. Anything still using it will be refused.")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.route("/organisations")
@permission_required("can_view_organisations")
def organisations():
    return render_template("admin/organisations.html", organisations=list_organisations())


@bp.route("/organisations/<int:org_id>")
@login_required
def organisation(org_id):
    org = db.session.get(Organisation, org_id) or abort(404)
    ensure(org.can_view(current_user))
    return render_template("admin/organisation.html", org=org)
