import pytest

from commissioning import create_app
from commissioning.config import ConfigError, load_config


def test_production_without_secret_or_database_stops_with_a_clear_message(monkeypatch):
    for key in ("SECRET_KEY", "DATABASE_URL", "COMMISSIONING_SECRET_KEY", "COMMISSIONING_DATABASE_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY and DATABASE_URL"):
        create_app()


def test_production_with_required_keys_has_secure_cookies(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/commissioning")
    cfg = load_config()
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/commissioning"


def test_environment_overrides_defaults_and_prefix_wins(monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("COMMISSIONING_MAIL_PORT", "2626")
    assert load_config()["MAIL_PORT"] == 2626


def test_embedded_default_uses_sqlite_and_filesystem_broker(monkeypatch, tmp_path):
    for key in ("DATABASE_URL", "REDIS_URL", "APP_ENV"):
        monkeypatch.delenv(key, raising=False)
    cfg = load_config({"BROKER_DIR": str(tmp_path)})
    assert cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    from commissioning.tasks import celery_config
    celery = celery_config(cfg)
    assert celery["broker_url"] == "filesystem://"
    assert celery["timezone"] == "Europe/London"
    assert celery["task_acks_late"] is True
    assert (tmp_path / "queue").is_dir()


def test_redis_url_switches_broker_and_rate_limit_storage():
    cfg = load_config({"REDIS_URL": "redis://127.0.0.1:6379/3"})
    from commissioning.tasks import celery_config
    assert celery_config(cfg)["broker_url"] == "redis://127.0.0.1:6379/3"
    assert cfg["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


def test_every_setting_is_documented_in_the_readme():
    from pathlib import Path

    from commissioning.config import SETTINGS
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert [name for name in SETTINGS if f"`{name}`" not in readme] == []
