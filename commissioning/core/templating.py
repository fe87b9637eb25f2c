"""Jinja set up for many requests a second: what Jinja checks on every import, checked in C.

Each ``{% from "govuk_frontend_jinja/components/.../macro.html" import ... %}`` asks the imported
template whether the importing one has globals it lacks (then it must render the module again
with them). Jinja answers by subtracting a ``ChainMap``'s keys from a set, a Python-level
lookup per key through every map: about 12 microseconds, and a list page with filters imports
forty-odd macros per request. Here the same question is asked with ``set.difference`` over the
plain dicts the ``ChainMap`` holds, and the answer is used exactly as Jinja uses it.
"""
from collections import ChainMap

from jinja2 import Template


def has_new_globals(ctx, template):
    """Whether ``ctx`` has globals that ``template`` does not (Jinja's own test, in C when it can)."""
    known = template.globals
    if type(known) is ChainMap and all(type(m) is dict for m in known.maps):
        return bool(ctx.globals_keys.difference(*known.maps))
    return bool(ctx.globals_keys - known.keys())


class ImportingTemplate(Template):
    """A Template whose import check is cheap; the module it gives is the one Jinja would."""

    def _get_default_module(self, ctx=None):
        if ctx is not None and not has_new_globals(ctx, self):
            ctx = None  # Jinja then gives the cached module, as it does when the difference is empty
        return super()._get_default_module(ctx)


def configure(app):
    """Templates loaded from now on use ImportingTemplate; caching and reloading as Flask sets them."""
    app.jinja_env.template_class = ImportingTemplate
