"""Exactly-once requests: every state-changing request carries a key, done once, answered twice."""


def init_app(app):
    from commissioning.idempotency.operations import init_app as init
    init(app)
