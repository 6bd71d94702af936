"""Configuration classes read from environment variables (stdlib only).

Every variable is listed in docs/configuration.md. `load_config()` picks the class named by
`MICROCOURT_ENV` (development | testing | production) and validates it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEV_SECRET = "dev-secret-change-me-dev-secret-change-me"  # refused in production
VIDEO_PROVIDERS = ("trtc", "external")  # app/video/providers.py
# What TRTC's web SDK (web/vendor/trtc, 5.17.1) contacts from the H5 video room: the scheduling servers
# (https, then the signalling wss hosts they name), the fallback signalling hosts and the quality reports. Read from
# the SDK's code; the room page's connect-src and media-src carry them (VIDEO_WEB_CSP_ORIGINS, docs/pages.md).
TRTC_WEB_ORIGINS = (
    "https://*.cloud-rtc.com",
    "wss://*.cloud-rtc.com",
    "https://*.cloud-rtc.net",
    "wss://*.cloud-rtc.net",
    "https://*.rtc-web.com",
    "https://*.rtc-web.io",
    "wss://*.rtc.qq.com",
    "wss://webrtc.qq.com",
    "https://yun.tim.qq.com",
    "https://apisgp.my-imcloud.com",
    "https://*.trtc.tencent-cloud.com",
    "wss://*.trtc.tencent-cloud.com",
)
DEFAULT_CERTIFICATE_FONT = BASE_DIR / "app" / "integrations" / "fonts" / "DroidSansFallbackFull.ttf"
MIN_SECRET_LENGTH = 32
SMS_GATEWAYS = ("console", "http")  # build_gateway knows exactly these; anything else is refused at start
MAX_TOKEN_TTL_SECONDS = 24 * 3600  # no access or machine token lives longer (app/security/tokens.py enforces it)


DEFAULT_CASE_CATEGORIES = [
    "民间借贷纠纷",
    "买卖合同纠纷",
    "金融借款合同纠纷",
    "房屋租赁合同纠纷",
    "物业服务合同纠纷",
    "劳动争议",
    "婚姻家庭纠纷",
    "继承纠纷",
    "机动车交通事故责任纠纷",
    "侵权责任纠纷",
    "消费者权益保护纠纷",
    "建设工程合同纠纷",
    "服务合同纠纷",
    "邻里纠纷",
    "其他民事纠纷",
]


# The kinds of evidence of the Civil Procedure Law (Art. 66).
DEFAULT_EVIDENCE_CATEGORIES = [
    "当事人的陈述",
    "书证",
    "物证",
    "视听资料",
    "电子数据",
    "证人证言",
    "鉴定意见",
    "勘验笔录",
]


class ConfigError(RuntimeError):
    """Raised when the configuration is unusable (the process must not start)."""


def env_str(env: Mapping[str, str], name: str, default: str = "") -> str:
    """Return a stripped string variable, or the default when unset or blank."""
    value = env.get(name, "").strip()
    return value or default


def env_int(env: Mapping[str, str], name: str, default: int) -> int:
    """Return an integer variable; a malformed value is a ConfigError, never silently ignored."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    """Return a boolean variable from 1/0, true/false, yes/no, on/off."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_list(env: Mapping[str, str], name: str, default: list[str] | None = None) -> list[str]:
    """Return a comma-separated list variable without blanks."""
    raw = env.get(name, "")
    items = [part.strip() for part in raw.split(",") if part.strip()]
    return items or list(default or [])


def normalize_database_url(url: str) -> str:
    """Make plain postgres URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment; subclasses change defaults, never the names."""

    ENV_NAME = "base"
    DEBUG = False
    TESTING = False
    DEFAULT_DATABASE_URL = f"sqlite:///{BASE_DIR / 'instance' / 'microcourt.db'}"
    DEFAULT_JOBS_EAGER = True

    def __init__(self, env: Mapping[str, str] | None = None, **overrides: object) -> None:
        env = os.environ if env is None else env
        self.SECRET_KEY = env_str(env, "SECRET_KEY", DEV_SECRET)
        # One reader per group; app/platform/settings.py turns each group into a typed settings object.
        for read in (
            self._read_database,
            self._read_storage,
            self._read_jobs,
            self._read_http,
            self._read_identity,
            self._read_security,
            self._read_wechat,
            self._read_sms,
            self._read_email,
            self._read_cases,
            self._read_hotline,
            self._read_evidence,
            self._read_mediation,
            self._read_scheduling,
            self._read_invitations,
            self._read_documents,
            self._read_notifications,
            self._read_webhooks,
            self._read_statistics,
            self._read_payments,
            self._read_archives,
            self._read_video,
        ):
            read(env)
        for key, value in overrides.items():
            setattr(self, key, value)

    # -- platform: database, storage, jobs, HTTP -----------------------------------------------------

    def _read_database(self, env: Mapping[str, str]) -> None:
        self.SQLALCHEMY_DATABASE_URI = normalize_database_url(env_str(env, "DATABASE_URL", self.DEFAULT_DATABASE_URL))
        self.ALLOW_SQLITE_IN_PRODUCTION = env_bool(env, "ALLOW_SQLITE_IN_PRODUCTION", False)
        self.DB_POOL_SIZE = env_int(env, "DB_POOL_SIZE", 10)
        self.DB_CONNECT_TIMEOUT = env_int(env, "DB_CONNECT_TIMEOUT", 3)
        self.DB_STATEMENT_TIMEOUT_MS = env_int(env, "DB_STATEMENT_TIMEOUT_MS", 15000)
        self.SQLITE_BUSY_TIMEOUT_MS = env_int(env, "SQLITE_BUSY_TIMEOUT_MS", 5000)
        self.SQLALCHEMY_RECORD_QUERIES = False

    def _read_storage(self, env: Mapping[str, str]) -> None:
        self.STORAGE_BACKEND = env_str(env, "STORAGE_BACKEND", "local")
        self.STORAGE_LOCAL_ROOT = env_str(env, "STORAGE_LOCAL_ROOT", str(BASE_DIR / "instance" / "blobs"))
        self.ALLOW_LOCAL_STORAGE_IN_PRODUCTION = env_bool(env, "ALLOW_LOCAL_STORAGE_IN_PRODUCTION", False)
        self.STORAGE_PUBLIC_BASE_URL = env_str(env, "STORAGE_PUBLIC_BASE_URL", "")
        self.S3_ENDPOINT_URL = env_str(env, "S3_ENDPOINT_URL", "")
        self.S3_REGION = env_str(env, "S3_REGION", "us-east-1")
        self.S3_BUCKET = env_str(env, "S3_BUCKET", "microcourt")
        self.S3_ACCESS_KEY = env_str(env, "S3_ACCESS_KEY", "")
        self.S3_SECRET_KEY = env_str(env, "S3_SECRET_KEY", "")
        self.S3_ADDRESSING_STYLE = env_str(env, "S3_ADDRESSING_STYLE", "path")
        self.S3_CONNECT_TIMEOUT = env_int(env, "S3_CONNECT_TIMEOUT", 3)
        self.S3_READ_TIMEOUT = env_int(env, "S3_READ_TIMEOUT", 20)
        self.UPLOAD_URL_EXPIRES_SECONDS = env_int(env, "UPLOAD_URL_EXPIRES_SECONDS", 900)
        self.DOWNLOAD_URL_EXPIRES_SECONDS = min(env_int(env, "DOWNLOAD_URL_EXPIRES_SECONDS", 300), 300)

    def _read_jobs(self, env: Mapping[str, str]) -> None:
        self.CELERY_BROKER_URL = env_str(env, "CELERY_BROKER_URL", "memory://")
        self.CELERY_RESULT_BACKEND = env_str(env, "CELERY_RESULT_BACKEND", "")
        self.JOBS_EAGER = env_bool(env, "JOBS_EAGER", self.DEFAULT_JOBS_EAGER)
        # beat's periodic tasks inside the app server (make run): only development with in-process jobs by default
        self.EMBEDDED_SCHEDULER = env_bool(
            env, "EMBEDDED_SCHEDULER", self.JOBS_EAGER and self.ENV_NAME == "development"
        )
        self.REDIS_URL = env_str(env, "REDIS_URL", "")

    def _read_http(self, env: Mapping[str, str]) -> None:
        self.MAX_CONTENT_LENGTH = env_int(env, "MAX_CONTENT_LENGTH", 60 * 1024 * 1024)
        self.PUBLIC_BASE_URL = env_str(env, "PUBLIC_BASE_URL", "http://127.0.0.1:5000")
        self.LOG_LEVEL = env_str(env, "LOG_LEVEL", "INFO").upper()
        self.LOG_JSON = env_bool(env, "LOG_JSON", True)
        self.TRUSTED_PROXIES = env_int(env, "TRUSTED_PROXIES", 0)
        self.PAGE_LIMIT_DEFAULT = env_int(env, "PAGE_LIMIT_DEFAULT", 20)
        self.PAGE_LIMIT_MAX = env_int(env, "PAGE_LIMIT_MAX", 100)
        self.RATELIMIT_STORAGE_URI = env_str(env, "RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_ENABLED = env_bool(env, "RATELIMIT_ENABLED", True)
        self.METRICS_BEARER_TOKEN = env_str(env, "METRICS_BEARER_TOKEN", "")
        self.IDEMPOTENCY_TTL_HOURS = env_int(env, "IDEMPOTENCY_TTL_HOURS", 48)

    # -- identity, keys and the outside systems it talks to ------------------------------------------

    def _read_identity(self, env: Mapping[str, str]) -> None:
        # JWT_KEYS: "kid1:secret1,kid2:secret2"; the first (or JWT_ACTIVE_KID) signs, all verify.
        self.JWT_KEYS = env_str(env, "JWT_KEYS", "")
        self.JWT_ACTIVE_KID = env_str(env, "JWT_ACTIVE_KID", "")
        self.JWT_ISSUER = env_str(env, "JWT_ISSUER", "microcourt")
        self.ACCESS_TOKEN_TTL_SECONDS = env_int(env, "ACCESS_TOKEN_TTL_SECONDS", 900)
        self.MACHINE_TOKEN_TTL_SECONDS = env_int(env, "MACHINE_TOKEN_TTL_SECONDS", 900)
        self.REFRESH_TOKEN_TTL_DAYS = env_int(env, "REFRESH_TOKEN_TTL_DAYS", 30)
        self.SESSION_MAX_DAYS = env_int(env, "SESSION_MAX_DAYS", 90)
        self.CLIENT_SECRET_OVERLAP_HOURS = env_int(env, "CLIENT_SECRET_OVERLAP_HOURS", 24)
        self.SMS_CODE_TTL_SECONDS = env_int(env, "SMS_CODE_TTL_SECONDS", 300)
        self.SMS_CODE_MAX_ATTEMPTS = env_int(env, "SMS_CODE_MAX_ATTEMPTS", 5)
        self.LOGIN_LIMIT_PER_IP = env_str(env, "LOGIN_LIMIT_PER_IP", "30/minute;300/hour")
        self.SMS_SEND_LIMIT_PER_PHONE = env_str(env, "SMS_SEND_LIMIT_PER_PHONE", "1/minute;5/hour;10/day")
        self.SMS_SEND_LIMIT_PER_IP = env_str(env, "SMS_SEND_LIMIT_PER_IP", "10/minute;50/hour")
        self.SMS_VERIFY_LIMIT_PER_IP = env_str(env, "SMS_VERIFY_LIMIT_PER_IP", "20/minute;200/hour")
        self.IDENTITY_VERIFIER = env_str(env, "IDENTITY_VERIFIER", "development")
        self.IDENTITY_VERIFIER_URL = env_str(env, "IDENTITY_VERIFIER_URL", "")
        self.IDENTITY_VERIFIER_KEY = env_str(env, "IDENTITY_VERIFIER_KEY", "")
        self.IDENTITY_VERIFIER_TIMEOUT = env_int(env, "IDENTITY_VERIFIER_TIMEOUT", 10)

    def _read_security(self, env: Mapping[str, str]) -> None:
        """PII encryption and the audit chain's keys."""
        self.PII_KEYS = env_str(env, "PII_KEYS", "")
        self.PII_ACTIVE_KID = env_str(env, "PII_ACTIVE_KID", "")
        self.PII_INDEX_KEY = env_str(env, "PII_INDEX_KEY", "")
        self.PII_DISCLOSURE_LIMIT_PER_USER = env_str(env, "PII_DISCLOSURE_LIMIT_PER_USER", "30/hour")
        self.AUDIT_HMAC_KEYS = env_str(env, "AUDIT_HMAC_KEYS", "")
        self.AUDIT_ACTIVE_KID = env_str(env, "AUDIT_ACTIVE_KID", "")

    def _read_wechat(self, env: Mapping[str, str]) -> None:
        self.WECHAT_API_BASE = env_str(env, "WECHAT_API_BASE", "https://api.weixin.qq.com")
        self.WECHAT_APPID = env_str(env, "WECHAT_APPID", "")
        self.WECHAT_SECRET = env_str(env, "WECHAT_SECRET", "")
        self.WECHAT_TIMEOUT_SECONDS = env_int(env, "WECHAT_TIMEOUT_SECONDS", 5)
        self.WECHAT_MINIPROGRAM_STATE = env_str(env, "WECHAT_MINIPROGRAM_STATE", "formal")
        self.WECHAT_ENV_VERSION = env_str(env, "WECHAT_ENV_VERSION", "release")
        self.WECHAT_TOKEN_REDIS_URL = env_str(env, "WECHAT_TOKEN_REDIS_URL", "")

    def _read_sms(self, env: Mapping[str, str]) -> None:
        self.SMS_GATEWAY = env_str(env, "SMS_GATEWAY", "console")
        self.SMS_HTTP_URL = env_str(env, "SMS_HTTP_URL", "")
        self.SMS_HTTP_API_KEY = env_str(env, "SMS_HTTP_API_KEY", "")
        self.SMS_HTTP_TIMEOUT = env_int(env, "SMS_HTTP_TIMEOUT", 5)
        self.DEV_SMS_OUTBOX = env_bool(env, "DEV_SMS_OUTBOX", self.ENV_NAME in {"development", "testing"})

    def _read_email(self, env: Mapping[str, str]) -> None:
        # No EMAIL_SMTP_HOST: the console mailer (development); app/integrations/email.py
        self.EMAIL_SMTP_HOST = env_str(env, "EMAIL_SMTP_HOST", "")
        self.EMAIL_SMTP_PORT = env_int(env, "EMAIL_SMTP_PORT", 587)
        self.EMAIL_SMTP_SECURITY = env_str(env, "EMAIL_SMTP_SECURITY", "starttls")
        self.EMAIL_SMTP_USER = env_str(env, "EMAIL_SMTP_USER", "")
        self.EMAIL_SMTP_PASSWORD = env_str(env, "EMAIL_SMTP_PASSWORD", "")
        self.EMAIL_SMTP_TIMEOUT = env_int(env, "EMAIL_SMTP_TIMEOUT", 10)
        self.EMAIL_FROM = env_str(env, "EMAIL_FROM", "微法院 <no-reply@microcourt.invalid>")
        self.EMAIL_CODE_TTL_MINUTES = env_int(env, "EMAIL_CODE_TTL_MINUTES", 30)
        self.DEV_EMAIL_OUTBOX = env_bool(env, "DEV_EMAIL_OUTBOX", self.ENV_NAME in {"development", "testing"})

    # -- the domains ------------------------------------------------------------------------------------

    def _read_cases(self, env: Mapping[str, str]) -> None:
        self.CASE_CATEGORIES = env_list(env, "CASE_CATEGORIES", DEFAULT_CASE_CATEGORIES)
        self.FILING_REVIEW_DAYS = env_int(env, "FILING_REVIEW_DAYS", 7)
        self.CORRECTION_MAX_DAYS = env_int(env, "CORRECTION_MAX_DAYS", 30)
        self.CASE_AMOUNT_MAX_YUAN = env_int(env, "CASE_AMOUNT_MAX_YUAN", 100_000_000_000)
        self.WORKING_HOURS_START = env_str(env, "WORKING_HOURS_START", "08:30")
        self.WORKING_HOURS_END = env_str(env, "WORKING_HOURS_END", "17:30")

    def _read_hotline(self, env: Mapping[str, str]) -> None:
        self.HOTLINE_CLAIM_CODE_DAYS = env_int(env, "HOTLINE_CLAIM_CODE_DAYS", 30)
        self.HOTLINE_CLAIM_LIMIT_PER_IP = env_str(env, "HOTLINE_CLAIM_LIMIT_PER_IP", "30/minute;300/hour")
        self.HOTLINE_CLAIM_LIMIT_PER_USER = env_str(env, "HOTLINE_CLAIM_LIMIT_PER_USER", "5/minute;20/day")

    def _read_evidence(self, env: Mapping[str, str]) -> None:
        mib = 1024 * 1024
        self.EVIDENCE_MAX_BYTES_PDF = env_int(env, "EVIDENCE_MAX_BYTES_PDF", 50 * mib)
        self.EVIDENCE_MAX_BYTES_IMAGE = env_int(env, "EVIDENCE_MAX_BYTES_IMAGE", 20 * mib)
        self.EVIDENCE_MAX_BYTES_AUDIO = env_int(env, "EVIDENCE_MAX_BYTES_AUDIO", 50 * mib)
        self.EVIDENCE_MAX_BYTES_VIDEO = env_int(env, "EVIDENCE_MAX_BYTES_VIDEO", 200 * mib)
        self.EVIDENCE_MAX_FILES_PER_CASE = env_int(env, "EVIDENCE_MAX_FILES_PER_CASE", 200)
        self.EVIDENCE_MAX_BYTES_PER_USER = env_int(env, "EVIDENCE_MAX_BYTES_PER_USER", 2048 * mib)
        self.EVIDENCE_CATEGORIES = env_list(env, "EVIDENCE_CATEGORIES", DEFAULT_EVIDENCE_CATEGORIES)
        self.EVIDENCE_PENDING_GRACE_SECONDS = env_int(env, "EVIDENCE_PENDING_GRACE_SECONDS", 3600)
        self.EVIDENCE_ORPHAN_GRACE_SECONDS = env_int(env, "EVIDENCE_ORPHAN_GRACE_SECONDS", 86400)
        self.EVIDENCE_SWEEP_INTERVAL_SECONDS = env_int(env, "EVIDENCE_SWEEP_INTERVAL_SECONDS", 3600)
        self.EVIDENCE_SWEEP_VERIFY_HASHES = env_bool(env, "EVIDENCE_SWEEP_VERIFY_HASHES", True)

    def _read_mediation(self, env: Mapping[str, str]) -> None:
        self.MEDIATION_DAYS = env_int(env, "MEDIATION_DAYS", 30)
        self.MEDIATION_WARN_DAYS = env_int(env, "MEDIATION_WARN_DAYS", 5)
        self.MEDIATOR_DEFAULT_MAX_LOAD = env_int(env, "MEDIATOR_DEFAULT_MAX_LOAD", 10)
        self.JUDICIAL_CONFIRMATION_DAYS = env_int(env, "JUDICIAL_CONFIRMATION_DAYS", 30)
        self.JUDICIAL_CONFIRMATION_ACCEPT_DAYS = env_int(env, "JUDICIAL_CONFIRMATION_ACCEPT_DAYS", 3)
        self.JUDICIAL_CONFIRMATION_DECIDE_DAYS = env_int(env, "JUDICIAL_CONFIRMATION_DECIDE_DAYS", 15)
        self.JUDICIAL_CONFIRMATION_TYPE_CODE = env_str(env, "JUDICIAL_CONFIRMATION_TYPE_CODE", "调确")

    def _read_scheduling(self, env: Mapping[str, str]) -> None:
        self.SESSION_REMINDER_OFFSETS = env_str(env, "SESSION_REMINDER_OFFSETS", "24h,1h")
        parse_offsets(self.SESSION_REMINDER_OFFSETS)  # a malformed list stops the process here
        self.SESSION_MAX_HOURS = env_int(env, "SESSION_MAX_HOURS", 8)
        self.SCHEDULE_SLOT_MINUTES = env_int(env, "SCHEDULE_SLOT_MINUTES", 60)
        self.SCHEDULE_MAX_RANGE_DAYS = env_int(env, "SCHEDULE_MAX_RANGE_DAYS", 92)

    def _read_invitations(self, env: Mapping[str, str]) -> None:
        self.INVITATION_PAGE = env_str(env, "INVITATION_PAGE", "pages/invitation/accept")
        self.INVITATION_LINK_BASE = env_str(env, "INVITATION_LINK_BASE", "")
        self.INVITATION_DEFAULT_HOURS = env_int(env, "INVITATION_DEFAULT_HOURS", 168)
        self.INVITATION_MAX_HOURS = env_int(env, "INVITATION_MAX_HOURS", 720)
        self.INVITATION_ACCEPT_LIMIT_PER_IP = env_str(env, "INVITATION_ACCEPT_LIMIT_PER_IP", "30/minute;200/hour")
        self.INVITATION_ACCEPT_LIMIT_PER_USER = env_str(env, "INVITATION_ACCEPT_LIMIT_PER_USER", "10/minute;50/hour")

    def _read_documents(self, env: Mapping[str, str]) -> None:
        """Served documents: the files, the certificate and the delivery sweep."""
        self.DOCUMENT_MAX_BYTES = env_int(env, "DOCUMENT_MAX_BYTES", 50 * 1024 * 1024)
        self.DOCUMENT_FILE_TYPES = env_list(env, "DOCUMENT_FILE_TYPES", ["pdf", "ofd"])
        self.DOCUMENT_BATCH_MAX_ITEMS = env_int(env, "DOCUMENT_BATCH_MAX_ITEMS", 100)
        self.CERTIFICATE_FONT_PATH = env_str(env, "CERTIFICATE_FONT_PATH", str(DEFAULT_CERTIFICATE_FONT))
        self.DELIVERY_REMIND_AFTER_HOURS = env_int(env, "DELIVERY_REMIND_AFTER_HOURS", 24)
        self.DELIVERY_ESCALATE_AFTER_HOURS = env_int(env, "DELIVERY_ESCALATE_AFTER_HOURS", 72)
        self.DELIVERY_SWEEP_BATCH = env_int(env, "DELIVERY_SWEEP_BATCH", 500)

    def _read_notifications(self, env: Mapping[str, str]) -> None:
        self.NOTIFICATION_WECHAT_TEMPLATES = env_str(env, "NOTIFICATION_WECHAT_TEMPLATES", "")
        self.NOTIFICATION_PENDING_GRACE_SECONDS = env_int(env, "NOTIFICATION_PENDING_GRACE_SECONDS", 120)
        self.NOTIFICATION_CLAIM_GRACE_SECONDS = env_int(env, "NOTIFICATION_CLAIM_GRACE_SECONDS", 300)

    def _read_webhooks(self, env: Mapping[str, str]) -> None:
        local = self.ENV_NAME in {"development", "testing"}
        self.WEBHOOK_ALLOWED_HOSTS = env_list(env, "WEBHOOK_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if local else [])
        self.WEBHOOK_ALLOW_HTTP = env_bool(env, "WEBHOOK_ALLOW_HTTP", local)
        self.WEBHOOK_TIMEOUT_SECONDS = env_int(env, "WEBHOOK_TIMEOUT_SECONDS", 5)
        self.WEBHOOK_RETRY_BASE_SECONDS = env_int(env, "WEBHOOK_RETRY_BASE_SECONDS", 30)
        self.WEBHOOK_RETRY_MAX_SECONDS = env_int(env, "WEBHOOK_RETRY_MAX_SECONDS", 6 * 3600)
        self.WEBHOOK_RETRY_WINDOW_HOURS = env_int(env, "WEBHOOK_RETRY_WINDOW_HOURS", 72)

    def _read_statistics(self, env: Mapping[str, str]) -> None:
        self.DIRECTORY_COUNTS_TTL_SECONDS = env_int(env, "DIRECTORY_COUNTS_TTL_SECONDS", 60)

    def _read_payments(self, env: Mapping[str, str]) -> None:
        # WeChat Pay (docs/payments.md): "dev" is the built-in in-process stand-in, "live" the real API.
        # Fees are always on (every accepted litigation case gets a notice to pay), so payments are on by default
        # everywhere: production then refuses to start without the merchant's secrets. A court that collects
        # fees only offline (bank counter, POS) opts out with PAYMENTS_ENABLED=0.
        self.PAYMENTS_ENABLED = env_bool(env, "PAYMENTS_ENABLED", True)
        self.WECHATPAY_MODE = env_str(env, "WECHATPAY_MODE", "live" if self.ENV_NAME == "production" else "dev")
        self.WECHATPAY_BASE_URL = env_str(env, "WECHATPAY_BASE_URL", "https://api.mch.weixin.qq.com")
        self.WECHATPAY_MCHID = env_str(env, "WECHATPAY_MCHID", "")
        self.WECHATPAY_APPID = env_str(env, "WECHATPAY_APPID", self.WECHAT_APPID)
        self.WECHATPAY_CERT_SERIAL_NO = env_str(env, "WECHATPAY_CERT_SERIAL_NO", "")
        self.WECHATPAY_PRIVATE_KEY = env_str(env, "WECHATPAY_PRIVATE_KEY", "")  # PEM text or a file path
        self.WECHATPAY_APIV3_KEY = env_str(env, "WECHATPAY_APIV3_KEY", "")
        self.WECHATPAY_PUBLIC_KEY = env_str(env, "WECHATPAY_PUBLIC_KEY", "")  # PEM text or a file path
        self.WECHATPAY_PUBLIC_KEY_ID = env_str(env, "WECHATPAY_PUBLIC_KEY_ID", "")
        self.WECHATPAY_CERT_DIR = env_str(env, "WECHATPAY_CERT_DIR", "")  # platform-certificate mode instead
        self.WECHATPAY_NOTIFY_URL = env_str(env, "WECHATPAY_NOTIFY_URL", "")
        self.WECHATPAY_TIMEOUT_SECONDS = env_int(env, "WECHATPAY_TIMEOUT_SECONDS", 10)
        self.WECHATPAY_NOTIFY_WINDOW_SECONDS = env_int(env, "WECHATPAY_NOTIFY_WINDOW_SECONDS", 300)
        self.PAYMENT_ORDER_EXPIRE_MINUTES = env_int(env, "PAYMENT_ORDER_EXPIRE_MINUTES", 30)
        self.PAYMENT_QUERY_AFTER_MINUTES = env_int(env, "PAYMENT_QUERY_AFTER_MINUTES", 5)

    def payment_problems(self) -> list[str]:
        """WeChat Pay in production: the live API with every merchant secret, when payments are enabled."""
        if not self.PAYMENTS_ENABLED:
            return []
        if self.WECHATPAY_MODE != "live":
            return ["WECHATPAY_MODE=live is required when PAYMENTS_ENABLED=1 (dev is the in-process stand-in)"]
        needed = ("MCHID", "APPID", "CERT_SERIAL_NO", "PRIVATE_KEY", "APIV3_KEY")
        missing = [f"WECHATPAY_{name}" for name in needed if not getattr(self, f"WECHATPAY_{name}")]
        if self.WECHATPAY_APIV3_KEY and len(self.WECHATPAY_APIV3_KEY) != 32:
            missing.append("WECHATPAY_APIV3_KEY (32 characters)")
        if not (self.WECHATPAY_PUBLIC_KEY and self.WECHATPAY_PUBLIC_KEY_ID) and not self.WECHATPAY_CERT_DIR:
            missing.append("WECHATPAY_PUBLIC_KEY with WECHATPAY_PUBLIC_KEY_ID (or WECHATPAY_CERT_DIR)")
        return [f"payments are enabled (PAYMENTS_ENABLED=1) but {', '.join(missing)} missing"] if missing else []

    def _read_archives(self, env: Mapping[str, str]) -> None:
        # case files and personal-data exports (app/casefile, app/privacy)
        self.ARCHIVE_LINK_EXPIRES_SECONDS = env_int(env, "ARCHIVE_LINK_EXPIRES_SECONDS", 300)
        self.ARCHIVE_BUILD_LEASE_SECONDS = env_int(env, "ARCHIVE_BUILD_LEASE_SECONDS", 900)
        self.ARCHIVE_RETENTION_HOURS = env_int(env, "ARCHIVE_RETENTION_HOURS", 24)

    def _read_video(self, env: Mapping[str, str]) -> None:
        # video rooms, attendance callbacks, recordings (app/video, docs/video.md)
        self.VIDEO_PROVIDER = env_str(env, "VIDEO_PROVIDER", "external")
        self.VIDEO_COURT_PROVIDERS = env_str(env, "VIDEO_COURT_PROVIDERS", "")
        self.TRTC_SDK_APP_ID = env_int(env, "TRTC_SDK_APP_ID", 0)
        self.TRTC_SECRET_KEY = env_str(env, "TRTC_SECRET_KEY", "")
        self.TRTC_CALLBACK_KEY = env_str(env, "TRTC_CALLBACK_KEY", "")
        self.VIDEO_USERSIG_MAX_SECONDS = env_int(env, "VIDEO_USERSIG_MAX_SECONDS", 6 * 3600)
        self.VIDEO_EARLY_ENTRY_MINUTES = env_int(env, "VIDEO_EARLY_ENTRY_MINUTES", 15)
        self.VIDEO_GRACE_MINUTES = env_int(env, "VIDEO_GRACE_MINUTES", 60)
        self.VIDEO_CALLBACK_MAX_AGE_SECONDS = env_int(env, "VIDEO_CALLBACK_MAX_AGE_SECONDS", 600)
        self.VIDEO_RECORDING_HOSTS = env_list(env, "VIDEO_RECORDING_HOSTS", [".vod2.myqcloud.com", ".myqcloud.com"])
        self.VIDEO_RECORDING_MAX_BYTES = env_int(env, "VIDEO_RECORDING_MAX_BYTES", 4 * 1024**3)
        self.VIDEO_RECORDING_RETENTION_DAYS = env_int(env, "VIDEO_RECORDING_RETENTION_DAYS", 3650)
        self.VIDEO_DOWNLOAD_TIMEOUT_SECONDS = env_int(env, "VIDEO_DOWNLOAD_TIMEOUT_SECONDS", 30)
        # TRTC's server API (dismissing a closed room): a Tencent Cloud API key pair, not the SDK secret
        self.TRTC_API_SECRET_ID = env_str(env, "TRTC_API_SECRET_ID", "")
        self.TRTC_API_SECRET_KEY = env_str(env, "TRTC_API_SECRET_KEY", "")
        self.TRTC_API_URL = env_str(env, "TRTC_API_URL", "https://trtc.tencentcloudapi.com")
        self.TRTC_API_REGION = env_str(env, "TRTC_API_REGION", "ap-guangzhou")
        # The H5 video room page's extra CSP sources (a closed court network sets its own proxy's origins)
        self.VIDEO_WEB_CSP_ORIGINS = env_list(env, "VIDEO_WEB_CSP_ORIGINS", list(TRTC_WEB_ORIGINS))

    def video_problems(self) -> list[str]:
        """TRTC in production: the app id, both secrets and the API key pair whenever any court uses it."""
        courts = [item.partition("=")[2].strip() for item in self.VIDEO_COURT_PROVIDERS.split(",") if item.strip()]
        names = [self.VIDEO_PROVIDER.strip(), *courts]
        found = [
            f"VIDEO_PROVIDER / VIDEO_COURT_PROVIDERS: unknown provider {n!r}" for n in names if n not in VIDEO_PROVIDERS
        ]
        if "trtc" not in names:
            return found
        needed = {
            "TRTC_SDK_APP_ID": self.TRTC_SDK_APP_ID > 0,
            "TRTC_SECRET_KEY": bool(self.TRTC_SECRET_KEY),
            "TRTC_CALLBACK_KEY": bool(self.TRTC_CALLBACK_KEY),
            "TRTC_API_SECRET_ID": bool(self.TRTC_API_SECRET_ID),
            "TRTC_API_SECRET_KEY": bool(self.TRTC_API_SECRET_KEY),
        }
        missing = [name for name, present in needed.items() if not present]
        if missing:
            found.append(f"video rooms use TRTC but {', '.join(missing)} missing (docs/video.md)")
        if not self.TRTC_API_URL.startswith("https://"):
            found.append("TRTC_API_URL must use https in production")
        return found

    def as_dict(self) -> dict[str, object]:
        """Return the upper-case settings, as Flask's config wants them."""
        names = {n for n in dir(self) if n.isupper()}
        return {name: getattr(self, name) for name in sorted(names)}

    def validate(self) -> None:
        """Check cross-field rules; raise ConfigError with every problem at once."""
        problems = self.problems()
        if problems:
            raise ConfigError("invalid configuration: " + "; ".join(problems))

    def problems(self) -> list[str]:
        """List what is wrong with this configuration (empty when usable)."""
        found = []
        if self.STORAGE_BACKEND not in {"local", "s3"}:
            found.append("STORAGE_BACKEND must be 'local' or 's3'")
        if self.STORAGE_BACKEND == "s3" and not self.S3_ENDPOINT_URL and not self.S3_REGION:
            found.append("S3 storage needs S3_ENDPOINT_URL or S3_REGION")
        if self.S3_ADDRESSING_STYLE not in {"path", "virtual", "auto"}:
            found.append("S3_ADDRESSING_STYLE must be path, virtual or auto")
        if self.PAGE_LIMIT_MAX < 1 or self.PAGE_LIMIT_DEFAULT > self.PAGE_LIMIT_MAX:
            found.append("PAGE_LIMIT_DEFAULT must be between 1 and PAGE_LIMIT_MAX")
        if not 0 < self.DELIVERY_REMIND_AFTER_HOURS < self.DELIVERY_ESCALATE_AFTER_HOURS:
            found.append("DELIVERY_REMIND_AFTER_HOURS must be positive and below DELIVERY_ESCALATE_AFTER_HOURS")
        found.extend(self._adapter_problems())
        for name in ("ACCESS_TOKEN_TTL_SECONDS", "MACHINE_TOKEN_TTL_SECONDS"):
            if not 60 <= getattr(self, name) <= MAX_TOKEN_TTL_SECONDS:
                found.append(f"{name} must be between 60 and {MAX_TOKEN_TTL_SECONDS} seconds")
        return found

    def _adapter_problems(self) -> list[str]:
        """Adapters are named exactly: an unknown name is refused here, never replaced by a default."""
        found = []
        if self.SMS_GATEWAY not in SMS_GATEWAYS:
            found.append(f"SMS_GATEWAY must be one of {', '.join(SMS_GATEWAYS)} (exactly), got {self.SMS_GATEWAY!r}")
        elif self.SMS_GATEWAY == "http" and not self.SMS_HTTP_URL.startswith(("https://", "http://")):
            found.append("SMS_GATEWAY=http needs SMS_HTTP_URL (an http(s) URL)")
        if self.EMAIL_SMTP_SECURITY not in ("starttls", "ssl", "plain"):
            found.append(f"EMAIL_SMTP_SECURITY must be starttls, ssl or plain, got {self.EMAIL_SMTP_SECURITY!r}")
        if self.IDENTITY_VERIFIER.strip().lower() not in {"development", "http"}:
            found.append(f"IDENTITY_VERIFIER must be 'development' or 'http', got {self.IDENTITY_VERIFIER!r}")
        return found


class DevelopmentConfig(Config):
    """The embedded default: SQLite, local-disk blobs, eager jobs, one process."""

    ENV_NAME = "development"
    DEBUG = False


class TestingConfig(Config):
    """The test suite: like development, with a database chosen by TEST_DATABASE_URL."""

    ENV_NAME = "testing"
    TESTING = True
    DEFAULT_DATABASE_URL = "sqlite://"

    def __init__(self, env: Mapping[str, str] | None = None, **overrides: object) -> None:
        env = os.environ if env is None else env
        super().__init__(env, **{})
        test_url = env_str(env, "TEST_DATABASE_URL", "")
        if test_url:
            self.SQLALCHEMY_DATABASE_URI = normalize_database_url(test_url)
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.CELERY_BROKER_URL = "memory://"
        self.JOBS_EAGER = True
        self.DIRECTORY_COUNTS_TTL_SECONDS = 0  # every test sees the directory as it is now
        for key, value in overrides.items():
            setattr(self, key, value)


class ProductionConfig(Config):
    """Production: PostgreSQL, S3, Redis, Celery workers; refuses unsafe defaults."""

    ENV_NAME = "production"
    DEFAULT_DATABASE_URL = ""
    DEFAULT_JOBS_EAGER = False

    def problems(self) -> list[str]:
        """Add the production rules: real secrets, a real database, no local state."""
        found = super().problems()
        if self.SECRET_KEY == DEV_SECRET or len(self.SECRET_KEY) < MIN_SECRET_LENGTH:
            found.append(f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_LENGTH} characters")
        if not self.SQLALCHEMY_DATABASE_URI:
            found.append("DATABASE_URL is required")
        elif self.SQLALCHEMY_DATABASE_URI.startswith("sqlite") and not self.ALLOW_SQLITE_IN_PRODUCTION:
            found.append("SQLite in production needs ALLOW_SQLITE_IN_PRODUCTION=1")
        for kid, secret in parse_key_ring(self.JWT_KEYS):
            if len(secret) < MIN_SECRET_LENGTH:
                found.append(f"JWT key {kid!r} is shorter than {MIN_SECRET_LENGTH} characters")
        if not self.JWT_KEYS:
            found.append("JWT_KEYS is required (kid:secret[,kid:secret])")
        if not self.AUDIT_HMAC_KEYS:
            found.append("AUDIT_HMAC_KEYS is required (kid:secret): the audit chain must not hang on SECRET_KEY")
        if not self.PII_KEYS or not self.PII_INDEX_KEY:
            found.append("PII_KEYS and PII_INDEX_KEY are required (phone and ID numbers are encrypted at rest)")
        if self.SMS_GATEWAY == "console" or self.DEV_SMS_OUTBOX:
            found.append("SMS_GATEWAY=http (with SMS_HTTP_URL) is required; the console gateway is for development")
        if self.DEV_EMAIL_OUTBOX:
            found.append("DEV_EMAIL_OUTBOX is for development; set EMAIL_SMTP_HOST for e-mail in production")
        if self.IDENTITY_VERIFIER == "development":
            found.append("IDENTITY_VERIFIER=http is required; the development verifier accepts anyone")
        if self.STORAGE_BACKEND == "local" and not self.ALLOW_LOCAL_STORAGE_IN_PRODUCTION:
            found.append("local-disk storage in production needs ALLOW_LOCAL_STORAGE_IN_PRODUCTION=1")
        return found + self._shared_state_problems() + self.payment_problems() + self.video_problems()

    def _shared_state_problems(self) -> list[str]:
        """State every app server must share lives in Redis: a per-process stand-in would weaken it silently."""
        found = []
        if _is_memory(self.RATELIMIT_STORAGE_URI):
            found.append("RATELIMIT_STORAGE_URI must be shared (redis://...): memory:// counts per process")
        if not self.RATELIMIT_ENABLED:
            found.append("RATELIMIT_ENABLED=0 is refused in production (logins and SMS sends need their limits)")
        if _is_memory(self.CELERY_BROKER_URL):
            found.append("CELERY_BROKER_URL must be a real broker (redis://...): memory:// loses every job")
        if self.EMBEDDED_SCHEDULER:
            found.append("EMBEDDED_SCHEDULER=1 is refused in production: every server would run it; run celery beat")
        if self.WECHAT_APPID and not (self.WECHAT_TOKEN_REDIS_URL or self.REDIS_URL):
            found.append(
                "REDIS_URL (or WECHAT_TOKEN_REDIS_URL) is required: servers must share one WeChat access token"
            )
        if self.SMS_GATEWAY == "http" and not self.SMS_HTTP_URL.startswith("https://"):
            found.append("SMS_HTTP_URL must use https in production (login codes travel)")
        if not self.PUBLIC_BASE_URL.startswith("https://") or "127.0.0.1" in self.PUBLIC_BASE_URL:
            found.append("PUBLIC_BASE_URL must be the public https:// origin (links in texts and certificates)")
        return found


def _is_memory(url: str) -> bool:
    """True for a process-local store (memory://, or nothing at all)."""
    return not url.strip() or url.strip().lower().startswith("memory:")


def parse_offsets(raw: str) -> list[int]:
    """Parse "24h,1h,30m,2d" into minutes (largest first); a malformed entry is a ConfigError."""
    units = {"m": 1, "h": 60, "d": 1440}
    minutes = set()
    for entry in (part.strip().lower() for part in raw.split(",")):
        if not entry:
            continue
        number, unit = entry[:-1], entry[-1:]
        if unit not in units or not number.isdigit() or int(number) <= 0:
            raise ConfigError(f"SESSION_REMINDER_OFFSETS entries look like 24h, 90m or 2d, got {entry!r}")
        minutes.add(int(number) * units[unit])
    return sorted(minutes, reverse=True)


def parse_key_ring(raw: str) -> list[tuple[str, str]]:
    """Parse "kid:secret,kid:secret" into pairs; a malformed entry is a ConfigError."""
    pairs = []
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        kid, sep, secret = entry.partition(":")
        if not sep or not kid.strip() or not secret.strip():
            raise ConfigError("JWT_KEYS entries must look like kid:secret")
        pairs.append((kid.strip(), secret.strip()))
    return pairs


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(env: Mapping[str, str] | None = None) -> Config:
    """Build and validate the configuration named by MICROCOURT_ENV (default development)."""
    env = os.environ if env is None else env
    name = env_str(env, "MICROCOURT_ENV", "development").lower()
    if name not in CONFIGS:
        raise ConfigError(f"MICROCOURT_ENV must be one of {sorted(CONFIGS)}, got {name!r}")
    config = CONFIGS[name](env)
    config.validate()
    return config
