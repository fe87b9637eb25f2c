"""Lists that grow: search, filters, a sort order and pages, read from the query string the same way everywhere.

A list page uses three pieces:

- a ``ListForm`` subclass: its ``q`` search box, its own filter fields and a ``SORTS`` table;
  ``form.read()`` gives the values to filter on, leaving out (with an error on its field, shown
  by the page) any value that is not one the form offers, so a bad query string is never a 500;
- ``paginate(query)``: one page of a select and its total, in two queries whatever the rows
  (``paginate_list(rows)`` for a list already read); ``contains(text, *columns)`` for the search;
- in the template, ``filters(form, [...], action)`` from macros/common.html, then
  ``result_count(pager, "opportunity", "opportunities")`` and ``paginate(pager, endpoint)``
  from macros/pagination.html, whose links keep every filter.
"""
from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import or_
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional


from commissioning.core.forms import Form
from commissioning.core.widgets import GovSelect
from commissioning.extensions import db


def page_args(default_per_page=50, max_per_page=200):
    """Return (page, per_page) from the query string, clamped to sensible values."""
    page = request.args.get("page", 1, type=int) or 1
    per_page = request.args.get("per_page", default_per_page, type=int) or default_per_page
    # Clamped: an absurd page number is an empty page, not an overflow in the database.
    return min(max(page, 1), 100_000), min(max(per_page, 1), max_per_page)


def paginate(query, default_per_page=20, page=None, per_page=None):
    """One page of ``query`` (a select of one entity) and its total: two queries, eager loads aside.

    Collections must load with ``selectinload``: a joined collection would be cut by the page's LIMIT.
    """
    if page is None:
        page, per_page = page_args(default_per_page)
    return db.paginate(query, page=page, per_page=per_page or default_per_page, error_out=False)


class ListPagination(Pagination):
    """The same pages over a list already read, for rows filtered or sorted on what only Python knows."""

    def _query_items(self):
        rows = self._query_args["rows"]
        return rows[self._query_offset:self._query_offset + self.per_page]

    def _query_count(self):
        return len(self._query_args["rows"])


def paginate_list(rows, default_per_page=20):
    """One page of a list: no query at all, for lists a query has already read whole."""
    page, per_page = page_args(default_per_page)
    return ListPagination(page=page, per_page=per_page, max_per_page=200, error_out=False, rows=list(rows))


def contains(text, *columns):
    """A condition: any of ``columns`` contains ``text``, ignoring case; % and _ match only themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(*(column.ilike(f"%{escaped}%", escape="\\") for column in columns))


class ListForm(Form):
    """The filters of a list page, sent with GET (no CSRF: it changes nothing).

    Subclasses add their own fields and set ``SORTS``: ``{value: (label, order)}``, the first being
    the default, where ``order`` is a tuple of column expressions (or a callable returning one, so
    a form can be declared before its models are importable). Ties always end on the model's id
    so pages never repeat or skip a row.
    """

    class Meta:
        csrf = False

    SORTS = {}
    SEARCH_HINT = None

    q = StringField("Search", widget=GovTextInput(),
                    validators=[Optional(), Length(max=100, message="Enter 100 characters or fewer to search for")])
    sort = SelectField("Sort by", widget=GovSelect(), validators=[Optional()])
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def __init__(self, formdata=None, **kwargs):
        super().__init__(formdata=request.args if formdata is None else formdata, **kwargs)
        self.sort.choices = [(value, label) for value, (label, _order) in self.SORTS.items()]
        if self.SEARCH_HINT:
            self.q.description = self.SEARCH_HINT

    def read(self):
        """The filters to apply, as {field name: value}; empty values and values that failed are left out.

        A value that is not one of the form's own (a stale bookmark, a hand-edited address) keeps its
        error for the page to show, and the list is shown without that filter.
        """
        if not request.args:
            self.errors_shown = False
            return {}
        self.validate()
        if self.sort.errors:  # an unknown order changes no result: the default order, without an error
            self.sort.data, self.sort.errors = None, []
            self._errors = None
        values = {}
        for field in self:
            if field.name in ("submit", "sort") or field.type == "CSRFTokenField":
                continue
            if field.errors or field.data in (None, "", []):
                continue
            values[field.name] = field.data.strip() if isinstance(field.data, str) else field.data
        self.errors_shown = bool(self.errors)
        return values

    @property
    def chosen_sort(self):
        """The key of the chosen sort; the first (the default) when none, or a bad one, is chosen."""
        return self.sort.data if self.sort.data in self.SORTS and not self.sort.errors else next(iter(self.SORTS))

    @property
    def order(self):
        """The ORDER BY of the chosen sort."""
        order = self.SORTS[self.chosen_sort][1]
        return order() if callable(order) else order

    @property
    def filtered(self):
        """Whether the person has narrowed the list, so the empty state can say so."""
        return any(field.data not in (None, "", []) and not field.errors for field in self
                   if field.name not in ("submit", "sort", "page"))
