"""Commissioning: commission youth services and run grants."""
from commissioning.config import ROOT, load_config


def create_app(config=None):
    """Build the web application; ``config`` overrides defaults and environment."""
    from flask import Flask  # here, not at the top: `commissioning pb allocate` must start without Flask

    from commissioning.core.pagecache import WatchedConfig

    class Commissioning(Flask):
        config_class = WatchedConfig  # the page cache sees a setting changed while it runs

    app = Commissioning(__name__, template_folder=str(ROOT / "templates"), instance_path=str(ROOT / "instance"))
    app.config.update(load_config(config))
    app.config.setdefault("OUTBOX_RETRY_POLICY", {"max_retries": 1, "interval_start": 0,
                                                  "interval_step": 0.5, "interval_max": 1})
    from commissioning import setup
    setup.configure_database(app)
    from commissioning.core import notices
    notices.init_app(app)  # right after the commit hook: messages kept for the next page commit with the work
    setup.configure_inputs(app)  # first: a query string with control characters is refused before anything reads it
    setup.configure_security(app)
    setup.configure_templates(app)
    setup.configure_celery(app)
    setup.configure_blueprints(app)
    setup.configure_errors(app)
    setup.configure_cli(app)
    return app
