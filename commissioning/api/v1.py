"""Version 1 of the JSON API: the pages' data and rules, for councils' other systems.

Each request is authenticated by its own bearer token, never by the browser's session,
so the API needs no CSRF token and a page cannot be made to call it on a user's behalf.
"""
import math
import re
from functools import wraps

from flask import current_app, g, request
from flask_login import current_user
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint, abort
from flask_limiter.util import get_remote_address

from werkzeug.exceptions import HTTPException

from commissioning.accounts.models import AnonymousUser
from commissioning.api import schemas, util
from commissioning.api.operations import hash_token, touch, touch_due
from commissioning.contracts.models import Agreement, ReturnDue
from commissioning.contracts.util import can_view
from commissioning.core import pagecache
from commissioning.core.enums import InvalidTransition
from commissioning.core.models import utcnow
from commissioning.core.urls import absolute_url
from commissioning.core.vocabulary import EcmOutcome, Tier, VulnerableGroup
from commissioning.extensions import csrf, db, limiter
from commissioning.localities.models import Locality
from commissioning.monitoring import operations as monitoring
from commissioning.monitoring.models import ReturnStatus
from commissioning.monitoring.operations import MonitoringError
from commissioning.monitoring.util import can_edit_return, form_values, returns_of
from commissioning.needs import operations as needs
from commissioning.panels.util import withheld_reason

PREFIX = "/api/v1"


class Api(SmorestApi):
    """flask-smorest, with errors left to the app's own handler (see setup.configure_errors)."""

    ERROR_SCHEMA = schemas.Error

    def _register_error_handlers(self):
        pass


def error_payload(exc):
    """The one shape of every API error: code, status, message and, for refused input, errors."""
    code = exc.code if isinstance(exc, HTTPException) else 500
    name = exc.name if isinstance(exc, HTTPException) else "Internal Server Error"
    data = (getattr(exc, "data", None) if isinstance(exc, HTTPException) else None) or {}
    payload = {"code": code, "status": name,
               "message": data.get("message") or _MESSAGES.get(code) or name}
    errors = data.get("errors") or data.get("messages")
    if errors:
        # webargs nests errors under the location ("json", "query"); people want the fields.
        if isinstance(errors, dict) and set(errors) <= {"json", "query", "path", "headers", "form"}:
            flat = {}
            for location, problems in errors.items():
                if isinstance(problems, dict):
                    flat.update(problems)
                else:
                    flat[location] = problems
            errors = flat
        payload["errors"] = errors
    headers = dict(data.get("headers") or {})
    if getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    return payload, code, headers


_MESSAGES = {
    400: "The request could not be read.",
    401: "Send a valid API token: Authorization: Bearer <token>.",
    403: "Your account or token is not allowed to do this.",
    404: "There is nothing here, or you are not allowed to see it.",
    405: "This method is not allowed here.",
    413: "The request is too large.",
    415: "Send the body as JSON, with the header Content-Type: application/json.",
    422: "Some of the input was refused; see errors.",
    429: "Too many requests for this token. Wait a minute, then try again.",
    500: "Sorry, there is a problem with the service.",
}


# --- authentication and rate limits ------------------------------------------------------------

def _bearer():
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _presented_token():
    """The token row for this request's bearer token, looked up once (the rate limit runs first)."""
    key = "commissioning.api_token"
    if key not in request.environ:
        plain = _bearer()
        request.environ[key] = _token(plain) if plain else None
    return request.environ[key]


def _token(plain):
    """On a GET, made again from the page cache's notes (core/pagecache.py) while nothing has been
    written since it was read and its "last used" note is not due; otherwise read (and noted)."""
    now = utcnow()
    noted, ticket = pagecache.recall("token", hash_token(plain))
    token = pagecache.rebuild(noted) if noted is not None else None
    if token is not None and token.is_usable(now) and token.user.active and not touch_due(token, now):
        request.environ[_NOTED] = plain  # enough for a kept answer; a view reads it again
        return token
    token = util.find_token(plain)
    if token is not None and token.is_usable(now) and token.user.active:
        touch(token)
        pagecache.remember(ticket, token, util.TOKEN_ROWS)
    return token


#: WSGI environ key: this request's token was made from the page cache's notes.
_NOTED = "commissioning.api_token.noted"


@pagecache.before_view
def read_noted_token_again():
    """Before a view runs (nothing kept answered): a token made from notes is read from the
    database, and refused if it no longer holds, so every view's checks are the database's."""
    plain = request.environ.pop(_NOTED, None)
    if plain is None:
        return
    token = util.find_token(plain)  # populate_existing: the rows made from notes are read afresh
    if token is None or not token.is_usable() or not token.user.active:
        _refuse_token()
    request.environ["commissioning.api_token"] = g.api_token = token
    g._login_user = token.user


def _refuse_token():
    abort(401, message="This token is not valid: it may be mistyped, revoked or expired, or its owner's "
                       "password was reset.",
          headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})


def rate_key():
    """Per token, once it is known to be valid; otherwise per address, so that made-up tokens
    share the address's allowance instead of each getting a fresh one."""
    token = _presented_token()
    if token is not None and token.is_usable() and token.user.active:
        return f"api-token:{token.id}"
    return "api-address:" + (get_remote_address() or "unknown")


def authenticate():
    """Run before every API view: the token's user becomes current_user; cookies are ignored."""
    g.api_token = None
    g._login_user = AnonymousUser()
    plain = _bearer()
    if request.headers.get("Authorization") and plain is None:
        abort(401, message="Use the Bearer scheme: Authorization: Bearer <token>.",
              headers={"WWW-Authenticate": 'Bearer realm="api"'})
    if plain is None:
        return
    token = _presented_token()
    if token is None or not token.is_usable() or not token.user.active:
        _refuse_token()
    touch(token)
    g.api_token = token
    g._login_user = token.user


def check_scope():
    """Writes need a token, and a read and write one, before any input is even read."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if g.api_token is None:
        abort(401, headers={"WWW-Authenticate": 'Bearer realm="api"'})
    require_write()
    if not request.is_json:
        abort(415, message="Send the body as JSON, with the header Content-Type: application/json.")


def require(predicate):
    """A signed-in (token) user for whom ``user.<predicate>()`` is true."""
    if not current_user.is_authenticated:
        abort(401, headers={"WWW-Authenticate": 'Bearer realm="api"'})
    if not getattr(current_user, predicate)():
        abort(403)


def permission(predicate):
    """``require(predicate)`` before the input is parsed: put it between the route and ``arguments``."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require(predicate)
            return view(*args, **kwargs)
        # The OpenAPI document says so: this operation needs a token (public ones take one or none).
        apidoc = dict(getattr(view, "_apidoc", {}))
        apidoc["manual_doc"] = {**apidoc.get("manual_doc", {}), "security": [{"bearerAuth": []}]}
        wrapped._apidoc = apidoc
        return wrapped
    return decorator


def require_write():
    if g.api_token is None or not g.api_token.can_write:
        abort(403, message="This token can only read. Create a read and write token in your account's API tokens.")


def _blueprint(name, description):
    blp = Blueprint(name, __name__, url_prefix=PREFIX, description=description)
    blp.before_request(authenticate)
    blp.before_request(check_scope)
    csrf.exempt(blp)
    limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api", key_func=rate_key)(blp)
    return blp


def _query_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def page_envelope(items, total, args, to_dict):
    """Items with the total and links to the neighbouring pages, built from the parsed filters
    (never from the raw query string, whose keys could be url_for's own options)."""
    page, per_page = args["page"], args["per_page"]
    pages = max(1, math.ceil(total / per_page))
    filters = {k: _query_value(v) for k, v in args.items() if k not in ("page", "per_page") and v is not None}

    def link(n):
        return absolute_url(request.endpoint, **(request.view_args or {}), **filters, page=n, per_page=per_page)
    return {"items": [to_dict(*item) if isinstance(item, tuple) else to_dict(item) for item in items],
            "page": page, "per_page": per_page, "total": total,
            "links": {"self": link(page), "next": link(page + 1) if page < pages else None,
                      "prev": link(min(page - 1, pages)) if page > 1 else None}}


# --- needs -----------------------------------------------------------------------------------

needs_bp = _blueprint("Needs", "Needs recorded by commissioners. Commissioners, administrators and contract monitors.")


@needs_bp.get("/needs")
@permission("can_view_needs")
@needs_bp.arguments(schemas.NeedArgs, location="query")
@needs_bp.response(200, schemas.NeedPage)
def list_needs(args):
    """List needs"""
    items, total = util.paginate(util.needs_query(args), args["page"], args["per_page"])
    return page_envelope(items, total, args, util.need_dict)


@needs_bp.post("/needs")
@permission("can_record_needs")
@needs_bp.arguments(schemas.NeedIn)
@needs_bp.response(201, schemas.NeedOut)
def create_need(data):
    """Record a need (as a draft)

    Needs a read and write token of a commissioner.
    """
    require_write()
    ids = sorted(set(data.pop("locality_ids")))
    localities = db.session.scalars(db.select(Locality).where(Locality.id.in_(ids))).all() if ids else []
    if len(localities) != len(ids):
        missing = sorted(set(ids) - {loc.id for loc in localities})
        abort(422, errors={"locality_ids": [f"No locality has id {missing[0]}"]})
    groups = [VulnerableGroup(v) for v in dict.fromkeys(data.pop("groups"))]
    outcomes = [EcmOutcome(v) for v in dict.fromkeys(data.pop("outcomes"))]
    data["tier"] = Tier(data["tier"])
    need = needs.create_need(current_user, localities=localities, groups=groups, outcomes=outcomes, **data)
    body = util.need_dict(db.session.scalars(util.needs_query({}, only_id=need.id)).one())
    return body, 201, {"Location": absolute_url("Needs.get_need", need_id=need.id)}


@needs_bp.get("/needs/<int:need_id>")
@permission("can_view_needs")
@needs_bp.response(200, schemas.NeedOut)
def get_need(need_id):
    """One need"""
    need = db.session.scalars(util.needs_query({}, only_id=need_id)).first()
    if need is None:
        abort(404)
    return util.need_dict(need)


# --- indicators ------------------------------------------------------------------------------

indicators_bp = _blueprint("Indicators", "How young people are doing: public, no token needed.")


@indicators_bp.get("/indicators")
@indicators_bp.arguments(schemas.PageArgs, location="query")
@indicators_bp.response(200, schemas.IndicatorPage)
def list_indicators(args):
    """List indicators, with each year's target, actual and RAG"""
    items, total = util.paginate(util.indicators_query(args), args["page"], args["per_page"])
    return page_envelope(items, total, args, util.indicator_dict)


@indicators_bp.get("/indicators/<int:indicator_id>")
@indicators_bp.response(200, schemas.IndicatorOut)
def get_indicator(indicator_id):
    """One indicator"""
    ind = db.session.scalars(util.indicators_query({}, only_id=indicator_id)).first()
    if ind is None:
        abort(404)
    return util.indicator_dict(ind)


# --- localities ------------------------------------------------------------------------------

localities_bp = _blueprint("Localities", "The areas needs, provision and reach are recorded against: public, no token "
                                         "needed. Their ids are what a new need's locality_ids take.")


@localities_bp.get("/localities")
@localities_bp.arguments(schemas.PageArgs, location="query")
@localities_bp.response(200, schemas.LocalityPage)
def list_localities(args):
    """List localities"""
    items, total = util.paginate(util.localities_query(args), args["page"], args["per_page"])
    return page_envelope(items, total, args, util.locality_dict)


# --- opportunities ---------------------------------------------------------------------------

opportunities_bp = _blueprint("Opportunities", "Published calls for bids (public fields only): no token needed.")


@opportunities_bp.get("/opportunities")
@opportunities_bp.arguments(schemas.OpportunityArgs, location="query")
@opportunities_bp.response(200, schemas.OpportunityPage)
def list_opportunities(args):
    """List published opportunities"""
    rows, total = util.paginate(util.opportunities_query(args), args["page"], args["per_page"], rows=True)
    return page_envelope(rows, total, args, util.opportunity_dict)


@opportunities_bp.get("/opportunities/<int:opportunity_id>")
@opportunities_bp.response(200, schemas.OpportunityOut)
def get_opportunity(opportunity_id):
    """One published opportunity"""
    row = db.session.execute(util.opportunities_query({}, only_id=opportunity_id)).first()
    if row is None:
        abort(404)
    return util.opportunity_dict(*row)


# --- contracts and returns -------------------------------------------------------------------

contracts_bp = _blueprint("Contracts", "Contracts and grant agreements: commissioners see all, contract monitors "
                                       "those they monitor, providers their organisation's once issued.")


@contracts_bp.get("/contracts")
@permission("can_view_contracts")
@contracts_bp.arguments(schemas.ContractArgs, location="query")
@contracts_bp.response(200, schemas.ContractPage)
def list_contracts(args):
    """List contracts and grant agreements"""
    items, total = util.paginate(util.contracts_query(current_user, args), args["page"], args["per_page"])
    return page_envelope(items, total, args, util.contract_dict)


def _agreement(agreement_id):
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or not can_view(current_user, agreement):
        abort(404)   # one answer for "not there" and "not yours", so ids cannot be probed
    return agreement


@contracts_bp.get("/contracts/<int:contract_id>")
@permission("can_view_contracts")
@contracts_bp.response(200, schemas.ContractOut)
def get_contract(contract_id):
    """One contract or grant agreement"""
    return util.contract_dict(_agreement(contract_id))


returns_bp = _blueprint("Returns", "Monitoring returns, one per period of each contract, as on the contract's pages.")


@returns_bp.get("/returns")
@permission("can_view_contracts")
@returns_bp.arguments(schemas.ReturnArgs, location="query")
@returns_bp.response(200, schemas.ReturnPage)
def list_returns(args):
    """List monitoring returns"""
    rows, total = util.paginate(util.returns_query(current_user, args), args["page"], args["per_page"],
                                 rows=True)
    return page_envelope(rows, total, args, util.return_dict)


def _due(due_id):
    due = db.session.get(ReturnDue, due_id)
    if due is None or not can_view(current_user, due.agreement):
        abort(404)
    return due


@returns_bp.get("/returns/<int:return_id>")
@permission("can_view_contracts")
@returns_bp.response(200, schemas.ReturnOut)
def get_return(return_id):
    """One monitoring return"""
    due = _due(return_id)
    return util.return_dict(due, returns_of(due.agreement).get(due.id))


@returns_bp.patch("/returns/<int:return_id>")
@permission("can_view_contracts")
@returns_bp.arguments(schemas.ReturnIn)
@returns_bp.response(200, schemas.ReturnOut)
def update_return(data, return_id):
    """Fill in a return, and submit it

    Only what is sent changes. With `"submit": true` the return goes to its monitor, as the
    Submit button does; every KPI's actual and the spend must then be there. Needs a read
    and write token of someone in the provider's organisation.
    """
    require_write()
    due = _due(return_id)
    if not can_edit_return(current_user, due.agreement):
        abort(403)
    ret = monitoring.return_for(due)
    names = [k["name"] for k in due.agreement.kpis]
    unknown = sorted(set(data.get("kpi_actuals") or {}) - set(names))
    if unknown:
        abort(422, errors={"kpi_actuals": [f"This contract has no KPI called “{unknown[0]}”. Its KPIs: "
                                           + "; ".join(names)]})
    form = form_values(ret)
    for name, value in (data.get("kpi_actuals") or {}).items():
        form[f"kpi-{names.index(name)}"] = repr(float(value))
    if "spend_pence" in data:
        form["spend"] = "" if data["spend_pence"] is None else f"{data['spend_pence'] / 100:.2f}"
    for key in ("feedback_responses", "feedback_positive"):
        if key in data:
            form[key] = "" if data[key] is None else str(data[key])
    for key in ("feedback_quotes", "achievements", "issues"):
        if key in data:
            form[key] = data[key]
    try:
        monitoring.save_return(ret, current_user, form)
        if data.get("submit"):
            monitoring.submit_return(ret, current_user)
    except InvalidTransition as exc:
        db.session.rollback()
        abort(409, message=str(exc))
    except MonitoringError as exc:
        db.session.rollback()
        if ret.status not in (ReturnStatus.draft, ReturnStatus.returned):
            abort(409, message=str(exc))
        field = _FORM_TO_API.get(re.sub(r"-\d+$", "", exc.field or ""), exc.field or "submit")
        abort(422, message=str(exc), errors={field: [str(exc)]})
    return util.return_dict(due, ret)


#: The return form's field names (operations speak the page's language) to the API's.
_FORM_TO_API = {"kpi": "kpi_actuals", "spend": "spend_pence", "feedback_responses": "feedback_responses",
                "feedback_positive": "feedback_positive", "feedback_quotes": "feedback_quotes",
                "achievements": "achievements", "issues": "issues"}


# --- panel results ---------------------------------------------------------------------------

results_bp = _blueprint("Panel results", "What young people's panels decided: public once counted, except rounds "
                                         "that decide an award, which stay with the panel until it is confirmed. "
                                         "A round that missed its quorum or has fewer ballots than PANEL_MIN_BALLOTS "
                                         "is never listed, and asked for by id answers 404 saying why: with so few "
                                         "votes its counts could show how someone voted.")


@results_bp.get("/panel-results")
@results_bp.arguments(schemas.ResultArgs, location="query")
@results_bp.response(200, schemas.PanelResultPage)
def list_results(args):
    """List counted panel rounds and their results"""
    items, total = util.paginate(util.results_query(current_user, args), args["page"], args["per_page"])
    return page_envelope(items, total, args, util.result_dict)


@results_bp.get("/panel-results/<int:round_id>")
@results_bp.response(200, schemas.PanelResultOut)
def get_result(round_id):
    """One counted panel round"""
    rnd = db.session.scalars(util.results_query(current_user, {}, only_id=round_id, withheld_too=True)).first()
    if rnd is None:
        abort(404)
    withheld = withheld_reason(rnd)
    if withheld:
        abort(404, message=f"The results of this round are not shown. {withheld}")
    return util.result_dict(rnd)


BLUEPRINTS = (needs_bp, localities_bp, indicators_bp, opportunities_bp, contracts_bp, returns_bp, results_bp)


def init_app(app):
    app.config.update(
        API_TITLE="Commissioning API", API_VERSION="v1", OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api", OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "Needs, indicators, opportunities, contracts, monitoring returns and panel "
                                    "results, with the same permissions as the pages. Create a token under "
                                    "Account, API tokens; send it as `Authorization: Bearer <token>`."},
            "servers": [{"url": app.config["BASE_URL"].rstrip("/")}],
            "security": [{}, {"bearerAuth": []}],
        })
    api = Api(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for blp in BLUEPRINTS:
        api.register_blueprint(blp)
