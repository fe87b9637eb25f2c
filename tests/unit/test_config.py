import pytest

from commissioning import create_app
from commissioning.config import ConfigError, load_config


PRODUCTION_IDENTITY = {"BASE_URL": "https://youth.example.gov.uk", "OCDS_PREFIX": "a1b2c3",
                       "GRANTS_PREFIX": "360G-examplecouncil"}


def _clear(monkeypatch, *keys):
    for key in keys:
        monkeypatch.delenv(key, raising=False)
        monkeypatch.delenv(f"COMMISSIONING_{key}", raising=False)


def test_production_without_secret_or_database_stops_with_a_clear_message(monkeypatch):
    _clear(monkeypatch, "SECRET_KEY", "DATABASE_URL", *PRODUCTION_IDENTITY)
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(ConfigError, match="set SECRET_KEY, DATABASE_URL, BASE_URL, OCDS_PREFIX and GRANTS_PREFIX"):
        create_app()


@pytest.mark.parametrize("key", sorted(PRODUCTION_IDENTITY))
def test_production_without_its_publishing_identity_stops(monkeypatch, key):
    """Seen: production started without them, so mail pointed at 127.0.0.1 and every council shared ids."""
    _clear(monkeypatch, *PRODUCTION_IDENTITY)
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/commissioning")
    for other, value in PRODUCTION_IDENTITY.items():
        if other != key:
            monkeypatch.setenv(other, value)
    with pytest.raises(ConfigError, match=f"Cannot start in production: set {key} in the environment"):
        create_app()


@pytest.mark.parametrize("key, value, message", [
    ("BASE_URL", "youth.example.gov.uk", "BASE_URL must be the service's address"),
    ("BASE_URL", "https://youth.example.gov.uk/somewhere", "with no path"),
    ("OCDS_PREFIX", "commissioning", "six-character prefix"),
    ("OCDS_PREFIX", "ocds-a1b2c3", "the part after 'ocds-'"),
    ("GRANTS_PREFIX", "360G-commissioning", "not the demo's"),
    ("GRANTS_PREFIX", "examplecouncil", "GRANTS_PREFIX must be the prefix 360Giving issued"),
])
def test_production_refuses_publishing_identity_it_cannot_use(monkeypatch, key, value, message):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/commissioning")
    for name, good in PRODUCTION_IDENTITY.items():
        monkeypatch.setenv(name, value if name == key else good)
    with pytest.raises(ConfigError, match=message):
        load_config()


@pytest.mark.parametrize("key, value", [("PANEL_MIN_BALLOTS", "0"), ("PANEL_MIN_BALLOTS", "2"),
                                        ("MIN_EVALUATORS_PER_BID", "0"), ("MIN_EVALUATORS_PER_BID", "1")])
def test_production_refuses_settings_that_switch_a_protection_off(monkeypatch, key, value):
    """Seen in review: PANEL_MIN_BALLOTS=0 and MIN_EVALUATORS_PER_BID=0 started in production."""
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/commissioning")
    for name, good in PRODUCTION_IDENTITY.items():
        monkeypatch.setenv(name, good)
    monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=f"{key} must be at least"):
        load_config()


def test_production_with_required_keys_has_secure_cookies(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/commissioning")
    for name, value in PRODUCTION_IDENTITY.items():
        monkeypatch.setenv(name, value)
    cfg = load_config()
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/commissioning"
    assert (cfg["BASE_URL"], cfg["OCDS_PREFIX"], cfg["GRANTS_PREFIX"]) == tuple(PRODUCTION_IDENTITY.values())


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
