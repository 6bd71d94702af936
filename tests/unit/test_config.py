"""Configuration: typed parsing, and production refusing unsafe settings."""

import pytest

from config import (
    DEV_SECRET,
    ConfigError,
    DevelopmentConfig,
    ProductionConfig,
    env_bool,
    env_int,
    load_config,
    normalize_database_url,
    parse_key_ring,
)

STRONG = "s" * 48
GOOD_PRODUCTION = {
    "MICROCOURT_ENV": "production",
    "SECRET_KEY": STRONG,
    "DATABASE_URL": "postgresql://app@db/microcourt",
    "JWT_KEYS": "k1:" + "j" * 40,
    "STORAGE_BACKEND": "s3",
    "S3_ENDPOINT_URL": "https://s3.example.test",
    "PII_KEYS": "p1:" + "A" * 43 + "=",
    "PII_INDEX_KEY": "B" * 43 + "=",
    "SMS_GATEWAY": "http",
    "SMS_HTTP_URL": "https://sms.example.test/send",
    "IDENTITY_VERIFIER": "http",
    "AUDIT_HMAC_KEYS": "a1:" + "h" * 40,
}


def test_production_with_real_settings_starts():
    config = load_config(GOOD_PRODUCTION)
    assert isinstance(config, ProductionConfig)
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://app@db/microcourt"
    assert config.JOBS_EAGER is False


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": DEV_SECRET}, "SECRET_KEY"),
        ({"SECRET_KEY": "short-secret"}, "SECRET_KEY"),
        ({"DATABASE_URL": "sqlite:////srv/app.db"}, "ALLOW_SQLITE_IN_PRODUCTION"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"JWT_KEYS": ""}, "JWT_KEYS"),
        ({"JWT_KEYS": "k1:tooshort"}, "shorter"),
        ({"STORAGE_BACKEND": "local"}, "ALLOW_LOCAL_STORAGE_IN_PRODUCTION"),
        ({"PII_KEYS": ""}, "PII_KEYS"),
        ({"AUDIT_HMAC_KEYS": ""}, "AUDIT_HMAC_KEYS"),
        ({"SMS_GATEWAY": "console"}, "SMS_GATEWAY"),
        ({"IDENTITY_VERIFIER": "development"}, "IDENTITY_VERIFIER"),
    ],
)
def test_production_refuses_unsafe_settings(change, complaint):
    with pytest.raises(ConfigError, match=complaint):
        load_config({**GOOD_PRODUCTION, **change})


def test_production_sqlite_allowed_only_when_told():
    env = {**GOOD_PRODUCTION, "DATABASE_URL": "sqlite:////srv/app.db", "ALLOW_SQLITE_IN_PRODUCTION": "1"}
    assert load_config(env).SQLALCHEMY_DATABASE_URI == "sqlite:////srv/app.db"


def test_development_defaults_are_embedded():
    config = load_config({})
    assert isinstance(config, DevelopmentConfig)
    assert config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert config.STORAGE_BACKEND == "local"
    assert config.JOBS_EAGER is True


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("OFF", False), ("0", False), ("", True)])
def test_bool_parser(raw, expected):
    assert env_bool({"X": raw}, "X", True) is expected


def test_malformed_values_are_errors_not_defaults():
    with pytest.raises(ConfigError, match="X must be an integer"):
        env_int({"X": "ten"}, "X", 1)
    with pytest.raises(ConfigError, match="boolean"):
        env_bool({"X": "maybe"}, "X", False)
    with pytest.raises(ConfigError, match="MICROCOURT_ENV"):
        load_config({"MICROCOURT_ENV": "staging"})
    with pytest.raises(ConfigError, match="DB_POOL_SIZE"):
        load_config({"DB_POOL_SIZE": "lots"})


def test_key_ring_and_urls():
    assert parse_key_ring("a:one, b:two") == [("a", "one"), ("b", "two")]
    with pytest.raises(ConfigError):
        parse_key_ring("no-colon")
    assert normalize_database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_database_url("sqlite://") == "sqlite://"


def test_download_links_never_live_longer_than_five_minutes():
    assert load_config({"DOWNLOAD_URL_EXPIRES_SECONDS": "3600"}).DOWNLOAD_URL_EXPIRES_SECONDS == 300
