"""How an earlier stage shows what later stages made from it, without importing them.

A later stage registers a function that, given an object of an earlier stage (a need),
returns rows to show; the earlier stage's page calls ``downstream_of(obj)``.
"""
_providers = []


def register(kind, title, fn):
    """``fn(obj)`` returns a list of dicts with ``label``, ``url`` and ``status``.

    Registering the same title twice (create_app runs once per app, and tests make several) keeps one.
    """
    if not any(k == kind and t == title for k, t, _f in _providers):
        _providers.append((kind, title, fn))


def downstream_of(obj):
    """[(title, rows)] for every later stage that knows about objects of this kind."""
    kind = type(obj).__name__
    return [(title, fn(obj)) for k, title, fn in _providers if k == kind]
