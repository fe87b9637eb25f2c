"""Worker and beat entry point: ``celery -A workers.celery_app worker`` (or ``beat``)."""
from commissioning import create_app
from workers.schedule import SCHEDULE

flask_app = create_app()
celery = flask_app.extensions["celery"]
celery.conf.beat_schedule = SCHEDULE
celery.conf.imports = ("workers.tasks.mail", "workers.tasks.outbox", "workers.tasks.opportunities",
                      "workers.tasks.evaluation", "workers.tasks.panels",
                      "workers.tasks.contracts", "workers.tasks.monitoring", "workers.tasks.opendata",
                      "workers.tasks.notices")
celery.autodiscover_tasks(lambda: [], force=True)
import workers.tasks.contracts  # noqa: E402,F401
import workers.tasks.evaluation  # noqa: E402,F401
import workers.tasks.mail  # noqa: E402,F401
import workers.tasks.notices  # noqa: E402,F401
import workers.tasks.monitoring  # noqa: E402,F401
import workers.tasks.opendata  # noqa: E402,F401
import workers.tasks.opportunities  # noqa: E402,F401
import workers.tasks.outbox  # noqa: E402,F401
import workers.tasks.panels  # noqa: E402,F401

app = celery
