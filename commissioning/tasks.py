"""Celery wiring for the web app: the app sends tasks by name, workers/ defines them."""
from pathlib import Path

from celery import Celery, Task


def celery_config(config):
    """Celery settings from the app config: Redis when REDIS_URL is set, else the embedded broker."""
    redis_url = config["REDIS_URL"]
    settings = {
        "timezone": "Europe/London",
        "enable_utc": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": config["CELERY_TASK_DEFAULT_QUEUE"],
        "task_always_eager": config["CELERY_TASK_ALWAYS_EAGER"],
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "result_expires": 24 * 3600,
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
    }
    if redis_url:
        # A task taken by a worker that dies (kill -9, lost machine) goes back to the queue once it has
        # gone unacknowledged for visibility_timeout seconds. It must be longer than the longest task
        # and than the longest retry delay (workers.base.RETRY_BACKOFF_MAX; a retry waits unacknowledged
        # in the worker), or live work is handed out twice. Kombu looks for such tasks every
        # unacked_restore_interval seconds when the throttle is 1 (the default scans every tenth time).
        settings.update(broker_url=redis_url, result_backend=redis_url,
                        broker_transport_options={"visibility_timeout": config["BROKER_VISIBILITY_TIMEOUT"],
                                                  "unacked_restore_interval": 10,
                                                  "unacked_restore_throttle": 1})
    else:
        folder = Path(config["BROKER_DIR"])
        for sub in ("queue", "processed", "results", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        settings.update(
            broker_url="filesystem://",
            broker_transport_options={
                "data_folder_in": str(folder / "queue"),
                "data_folder_out": str(folder / "queue"),
                "processed_folder": str(folder / "processed"),
                # kombu's default is ./control, which left exchange files in the working tree.
                "control_folder": str(folder / "control"),
                "store_processed": False,
            },
            result_backend=f"file://{folder / 'results'}",
            # The filesystem transport has no fanout exchange for remote control.
            worker_enable_remote_control=False,
        )
    return settings


def celery_init_app(app):
    """Attach a Celery app whose tasks run inside a Flask app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(celery_config(app.config))
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
