"""A provider organisation's profile, document vault and members."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from commissioning.accounts.models import Membership, Organisation
from commissioning.bids.util import document_problems
from commissioning.core import notices
from commissioning.core.forms import ConfirmForm
from commissioning.core.permissions import ensure, login_required
from commissioning.extensions import db
from commissioning.files.models import StoredFile
from commissioning.files.util import UploadError, check_upload, send_download
from commissioning.localities.models import Locality
from commissioning.localities.util import all_localities
from commissioning.providers import operations
from commissioning.providers.forms import DocumentForm, InviteForm, ProfileForm
from commissioning.providers.models import ProviderDocument

bp = Blueprint("providers", __name__, url_prefix="/organisations/<int:org_id>")


def _org(org_id, manage=False):
    org = db.session.get(Organisation, org_id) or abort(404)
    ensure(org.can_view(current_user))
    if manage:
        ensure(org.has_member(current_user))
    return org


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile(org_id):
    org = _org(org_id, manage=True)
    form = ProfileForm()
    form.localities.choices = [(loc.id, loc.name) for loc in all_localities()]
    if request.method == "GET":
        form.name.data, form.address.data = org.name, org.address
        form.charity_number.data, form.company_number.data = org.charity_number, org.company_number
        if org.profile:
            form.localities.data = [loc.id for loc in org.profile.localities]
            form.safeguarding_lead.data, form.size.data = org.profile.safeguarding_lead, org.profile.size
            form.description.data = org.profile.description
    valid = form.validate_on_submit()
    if valid and db.session.scalar(db.select(Organisation.id).where(Organisation.name == form.name.data.strip(),
                                                                    Organisation.id != org.id)):
        form.name.errors = [*form.name.errors, "Another organisation already has that name"]
        valid = False
    if valid:
        localities = db.session.scalars(db.select(Locality).where(Locality.id.in_(form.localities.data))).all()
        operations.save_profile(org, localities, name=form.name.data.strip(), address=form.address.data,
                                charity_number=form.charity_number.data or None,
                                company_number=form.company_number.data or None,
                                safeguarding_lead=form.safeguarding_lead.data, size=form.size.data,
                                description=form.description.data)
        notices.success("Profile saved.")
        return redirect(url_for("admin.organisation", org_id=org.id))
    return render_template("providers/profile.html", form=form, org=org)


@bp.route("/documents", methods=["GET", "POST"])
@login_required
def documents(org_id):
    org = _org(org_id)
    form = DocumentForm()
    if request.method == "POST":
        ensure(org.has_member(current_user))
        if form.validate_on_submit():
            try:
                upload = check_upload(form.file.data) if form.file.data else None
                if upload is None:
                    raise UploadError("Choose a file to upload")
            except UploadError as exc:
                form.file.errors = [*form.file.errors, str(exc)]
            else:
                doc = operations.upload_document(org, current_user, form.kind.data, form.title.data.strip(),
                                                 form.expires_on.data, upload)
                notices.success("Document uploaded." + (" It has already expired, so it does not count towards bids."
                                              if doc.is_expired() else ""))
                return redirect(url_for("providers.documents", org_id=org.id))
    docs = db.session.scalars(db.select(ProviderDocument).where(ProviderDocument.organisation_id == org.id)
                              .order_by(ProviderDocument.kind, ProviderDocument.expires_on.desc())).all()
    return render_template("providers/documents.html", org=org, docs=docs, form=form,
                           problems=document_problems(org.id), can_upload=org.has_member(current_user)), \
        400 if form.errors else 200


@bp.route("/documents/<int:doc_id>")
@login_required
def document_file(org_id, doc_id):
    org = _org(org_id)
    doc = db.session.get(ProviderDocument, doc_id)
    if doc is None or doc.organisation_id != org.id:
        abort(404)
    stored = db.session.get(StoredFile, doc.file_id)
    return send_download(stored, stored.filename, stored.content_type)


@bp.route("/members", methods=["GET", "POST"])
@login_required
def members(org_id):
    org = _org(org_id)
    ensure(org.can_manage_members(current_user))
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = operations.invite_member(org, current_user, form.email.data.strip().lower(), form.name.data.strip())
        except operations.MemberError as exc:
            form.email.errors = [*form.email.errors, str(exc)]
        else:
            notices.success(f"{user.email} added. We have emailed them.")
            return redirect(url_for("providers.members", org_id=org.id))
    return render_template("providers/members.html", org=org, form=form, confirm=ConfirmForm(formdata=None)), \
        400 if form.errors else 200


@bp.route("/members/<int:membership_id>/remove", methods=["POST"])
@login_required
def remove_member(org_id, membership_id):
    org = _org(org_id)
    ensure(org.can_manage_members(current_user))
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organisation_id != org.id or not ConfirmForm().validate_on_submit():
        abort(404 if membership is None or membership.organisation_id != org.id else 400)
    try:
        operations.remove_member(org, membership, current_user)
    except operations.MemberError as exc:
        notices.refusal(str(exc))
    else:
        notices.success("Member removed.")
    return redirect(url_for("providers.members", org_id=org.id))
