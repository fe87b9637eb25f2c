"""Migrations run in-process (flask db upgrade, the demo builder, tests) leave the app's loggers on.

Alembic's env.py configures logging from alembic.ini; with fileConfig's default it disabled
every logger made before it, so a worker's or test's app logged nothing afterwards (seen: the
development console link in test_secret_links went silent after the scaled-demo tests).
"""
import logging


def test_an_in_process_upgrade_leaves_the_apps_logger_working(tmp_path):
    from flask_migrate import upgrade

    from commissioning import create_app
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db", "BROKER_DIR": str(tmp_path)})
    app.logger.info("made before the migrations")  # the logger exists before they run
    with app.app_context():
        upgrade()
    assert app.logger.disabled is False
    heard = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: heard.append(record.getMessage())
    app.logger.addHandler(handler)
    try:
        app.logger.warning("still heard after the migrations")
    finally:
        app.logger.removeHandler(handler)
    assert heard == ["still heard after the migrations"]
