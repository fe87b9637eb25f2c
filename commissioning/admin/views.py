from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from commissioning.accounts.models import Organisation, User
from commissioning.accounts.util import list_organisations, list_users
from commissioning.admin.forms import AuditFilterForm
from commissioning.audit.util import audit_facets, search_audit
from commissioning.core.pagination import page_args
from commissioning.core.permissions import ensure, login_required, permission_required
from commissioning.extensions import db
from commissioning.mail.models import OutgoingEmail
from commissioning.mail.util import outbox_page

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
    return render_template("admin/audit.html", form=form if request.args else None,
                           filter_form=form, entries=entries)


@bp.route("/admin/mail")
@permission_required("can_read_mail_outbox")
def mail_outbox():
    page, per_page = page_args()
    to = request.args.get("to", "").strip()
    return render_template("admin/mail_outbox.html", mails=outbox_page(to or None, page, per_page), to=to)


@bp.route("/admin/mail/<int:email_id>")
@permission_required("can_read_mail_outbox")
def mail_message(email_id):
    mail = db.session.get(OutgoingEmail, email_id) or abort(404)
    return render_template("admin/mail_message.html", mail=mail)


@bp.route("/admin/users")
@permission_required("can_manage_users")
def users():
    page, per_page = page_args()
    return render_template("admin/users.html", users=list_users(page, per_page))


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
