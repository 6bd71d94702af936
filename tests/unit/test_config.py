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
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "RATELIMIT_STORAGE_URI": "redis://redis.internal:6379/1",
    "PUBLIC_BASE_URL": "https://api.microcourt.example.cn",
    # WeChat Pay (on by default: fees are always on; docs/payments.md)
    "WECHATPAY_MCHID": "1900009191",
    "WECHATPAY_APPID": "wxd678efh567hg6787",
    "WECHATPAY_CERT_SERIAL_NO": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    "WECHATPAY_PRIVATE_KEY": "/run/secrets/apiclient_key.pem",
    "WECHATPAY_APIV3_KEY": "a" * 32,
    "WECHATPAY_PUBLIC_KEY": "/run/secrets/pub_key.pem",
    "WECHATPAY_PUBLIC_KEY_ID": "PUB_KEY_ID_0114232003082013000000000000",
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
        # no silent per-process stand-ins for what every server must share (issue 13)
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "RATELIMIT_STORAGE_URI"),
        ({"RATELIMIT_STORAGE_URI": ""}, "RATELIMIT_STORAGE_URI"),
        ({"RATELIMIT_ENABLED": "0"}, "RATELIMIT_ENABLED"),
        ({"CELERY_BROKER_URL": "memory://", "JOBS_EAGER": "0"}, "CELERY_BROKER_URL"),
        ({"CELERY_BROKER_URL": "memory://", "JOBS_EAGER": "1"}, "CELERY_BROKER_URL"),
        ({"WECHAT_APPID": "wx0123456789abcdef"}, "WeChat access token"),
        ({"SMS_HTTP_URL": "http://sms.example.test/send"}, "SMS_HTTP_URL must use https"),
        ({"PUBLIC_BASE_URL": "http://127.0.0.1:5000"}, "PUBLIC_BASE_URL"),
        ({"SMS_GATEWAY": "aliyun"}, "SMS_GATEWAY must be one of"),
        ({"SMS_GATEWAY": "HTTP"}, "SMS_GATEWAY must be one of"),
        ({"ACCESS_TOKEN_TTL_SECONDS": str(400 * 86400)}, "ACCESS_TOKEN_TTL_SECONDS"),
        # fees are always on, so WeChat Pay is too unless a court opts out (PAYMENTS_ENABLED=0)
        ({"WECHATPAY_MCHID": ""}, "PAYMENTS_ENABLED=1"),
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


def test_production_with_redis_for_the_wechat_token_starts():
    config = load_config({**GOOD_PRODUCTION, "WECHAT_APPID": "wx0123456789abcdef", "REDIS_URL": "redis://r:6379/2"})
    assert config.WECHAT_APPID == "wx0123456789abcdef"


@pytest.mark.parametrize("env_name", ["development", "testing", "production"])
@pytest.mark.parametrize("gateway", ["aliyun", "HTTP", "Console"])
def test_unknown_sms_gateway_names_are_refused_in_every_environment(env_name, gateway):
    """A misspelt provider must stop the start: the console gateway would write login codes to the log."""
    base = GOOD_PRODUCTION if env_name == "production" else {}
    with pytest.raises(ConfigError, match="SMS_GATEWAY must be one of"):
        load_config({**base, "MICROCOURT_ENV": env_name, "SMS_GATEWAY": gateway})


def test_the_gateway_builder_refuses_unknown_names_too():
    from app.integrations.sms import ConsoleSmsGateway, HttpSmsGateway, build_gateway

    assert isinstance(build_gateway({"SMS_GATEWAY": "console"}), ConsoleSmsGateway)
    http = {"SMS_GATEWAY": "http", "SMS_HTTP_URL": "https://s/x", "SMS_HTTP_API_KEY": "k", "SMS_HTTP_TIMEOUT": 5}
    assert isinstance(build_gateway(http), HttpSmsGateway)
    for name in ("aliyun", "HTTP", ""):
        with pytest.raises(ConfigError, match="SMS_GATEWAY"):
            build_gateway({"SMS_GATEWAY": name})


def test_sms_over_http_needs_its_url_and_identity_verifier_names_are_checked():
    with pytest.raises(ConfigError, match="SMS_HTTP_URL"):
        load_config({"SMS_GATEWAY": "http"})
    with pytest.raises(ConfigError, match="IDENTITY_VERIFIER must be"):
        load_config({"IDENTITY_VERIFIER": "face"})


@pytest.mark.parametrize("ttl", ["0", "30", str(24 * 3600 + 1)])
def test_token_lifetimes_are_bounded(ttl):
    with pytest.raises(ConfigError, match="MACHINE_TOKEN_TTL_SECONDS"):
        load_config({"MACHINE_TOKEN_TTL_SECONDS": ttl})


# -- video (docs/video.md): TRTC in production needs its app id, secrets and API key pair --------------------

TRTC_READY = {
    "VIDEO_PROVIDER": "trtc",
    "TRTC_SDK_APP_ID": "1400123456",
    "TRTC_SECRET_KEY": "t" * 64,
    "TRTC_CALLBACK_KEY": "c" * 32,
    "TRTC_API_SECRET_ID": "AKID" + "i" * 32,
    "TRTC_API_SECRET_KEY": "k" * 32,
}


def test_production_with_trtc_configured_starts():
    config = load_config({**GOOD_PRODUCTION, **TRTC_READY})
    assert config.VIDEO_PROVIDER == "trtc" and config.video_problems() == []


@pytest.mark.parametrize(
    "missing", ["TRTC_SDK_APP_ID", "TRTC_SECRET_KEY", "TRTC_CALLBACK_KEY", "TRTC_API_SECRET_ID", "TRTC_API_SECRET_KEY"]
)
def test_production_refuses_trtc_without_its_keys(missing):
    with pytest.raises(ConfigError, match=missing):
        load_config({**GOOD_PRODUCTION, **TRTC_READY, missing: ""})


def test_production_refuses_a_court_on_trtc_without_keys_and_unknown_providers():
    court = "01a24a78-96b1-711b-93fd-3f04054aa494"
    with pytest.raises(ConfigError, match="TRTC_SDK_APP_ID"):
        load_config({**GOOD_PRODUCTION, "VIDEO_COURT_PROVIDERS": f"{court}=trtc"})
    with pytest.raises(ConfigError, match="unknown provider 'zoom'"):
        load_config({**GOOD_PRODUCTION, "VIDEO_PROVIDER": "zoom"})
    with pytest.raises(ConfigError, match="TRTC_API_URL must use https"):
        load_config({**GOOD_PRODUCTION, **TRTC_READY, "TRTC_API_URL": "http://trtc.example.test"})
    assert load_config(GOOD_PRODUCTION).video_problems() == []  # the external link needs nothing
