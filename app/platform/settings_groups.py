"""The per-domain settings objects: frozen dataclasses whose fields name the config key they come from.

Each group mirrors one `_read_*` group of config.py (docs/configuration.md says which object holds
which variable). A field with a default may be absent from the config (a bare Flask app in a unit test);
every other field must be there, as create_app guarantees. Lists become tuples (the objects are frozen).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any


def setting(key: str, *, default: Any = dataclasses.MISSING, convert: Callable[[Any], Any] | None = None) -> Any:
    """A dataclass field read from app.config[key] (converted by convert when given)."""
    return dataclasses.field(default=default, metadata={"key": key, "convert": convert})


# Each group spells the decorator out: mypy sees no dataclass behind an alias of it.


@dataclasses.dataclass(frozen=True, kw_only=True)
class HttpSettings:
    """Platform: the public origin, list pages, idempotency and the environment's name."""

    env_name: str = setting("MICROCOURT_ENV")
    public_base_url: str = setting("PUBLIC_BASE_URL")
    page_limit_default: int = setting("PAGE_LIMIT_DEFAULT")
    page_limit_max: int = setting("PAGE_LIMIT_MAX")
    idempotency_ttl_hours: int = setting("IDEMPOTENCY_TTL_HOURS")
    max_content_length: int = setting("MAX_CONTENT_LENGTH")


@dataclasses.dataclass(frozen=True, kw_only=True)
class StorageSettings:
    """Storage: how long signed upload and download links live (the store itself: app/storage/registry.py)."""

    upload_url_expires_seconds: int = setting("UPLOAD_URL_EXPIRES_SECONDS")
    download_url_expires_seconds: int = setting("DOWNLOAD_URL_EXPIRES_SECONDS")


@dataclasses.dataclass(frozen=True, kw_only=True)
class JobSettings:
    """Jobs: the Celery broker and whether jobs run inline."""

    broker_url: str = setting("CELERY_BROKER_URL")
    result_backend: str = setting("CELERY_RESULT_BACKEND")
    eager: bool = setting("JOBS_EAGER")
    embedded_scheduler: bool = setting("EMBEDDED_SCHEDULER")


@dataclasses.dataclass(frozen=True, kw_only=True)
class IdentitySettings:
    """Identity: token lifetimes, login sessions, SMS login codes and login rate limits."""

    secret_key: str = setting("SECRET_KEY")
    jwt_issuer: str = setting("JWT_ISSUER")
    access_token_ttl_seconds: int = setting("ACCESS_TOKEN_TTL_SECONDS")
    machine_token_ttl_seconds: int = setting("MACHINE_TOKEN_TTL_SECONDS")
    refresh_token_ttl_days: int = setting("REFRESH_TOKEN_TTL_DAYS")
    session_max_days: int = setting("SESSION_MAX_DAYS")
    client_secret_overlap_hours: int = setting("CLIENT_SECRET_OVERLAP_HOURS")
    sms_code_ttl_seconds: int = setting("SMS_CODE_TTL_SECONDS")
    sms_code_max_attempts: int = setting("SMS_CODE_MAX_ATTEMPTS")
    login_limit_per_ip: str = setting("LOGIN_LIMIT_PER_IP")
    sms_send_limit_per_phone: str = setting("SMS_SEND_LIMIT_PER_PHONE")
    sms_send_limit_per_ip: str = setting("SMS_SEND_LIMIT_PER_IP")
    sms_verify_limit_per_ip: str = setting("SMS_VERIFY_LIMIT_PER_IP")


@dataclasses.dataclass(frozen=True, kw_only=True)
class WeChatSettings:
    """WeChat: what services need to know of the mini-program (the client itself: app/platform/adapters.py)."""

    appid: str = setting("WECHAT_APPID", default="")
    env_version: str = setting("WECHAT_ENV_VERSION", default="release")

    @property
    def configured(self) -> bool:
        """Calls that need the mini-program's credentials are possible."""
        return bool(self.appid)


@dataclasses.dataclass(frozen=True, kw_only=True)
class AuditSettings:
    """Audit: the chain's HMAC keys (derived from SECRET_KEY when none are set)."""

    secret_key: str = setting("SECRET_KEY")
    hmac_keys: str = setting("AUDIT_HMAC_KEYS", default="")
    active_kid: str = setting("AUDIT_ACTIVE_KID", default="")


@dataclasses.dataclass(frozen=True, kw_only=True)
class CaseSettings:
    """Cases: filing, corrections, working hours and the staff's PII disclosure limit."""

    categories: tuple[str, ...] = setting("CASE_CATEGORIES", convert=tuple)
    filing_review_days: int = setting("FILING_REVIEW_DAYS")
    correction_max_days: int = setting("CORRECTION_MAX_DAYS")
    amount_max_yuan: int = setting("CASE_AMOUNT_MAX_YUAN")
    working_hours_start: str = setting("WORKING_HOURS_START", default="08:30")
    working_hours_end: str = setting("WORKING_HOURS_END", default="17:30")
    pii_disclosure_limit_per_user: str = setting("PII_DISCLOSURE_LIMIT_PER_USER", default="30/hour")


@dataclasses.dataclass(frozen=True, kw_only=True)
class HotlineSettings:
    """Hotline: claim codes (hashed with a key derived from SECRET_KEY) and their limits."""

    secret_key: str = setting("SECRET_KEY")
    claim_code_days: int = setting("HOTLINE_CLAIM_CODE_DAYS")
    claim_limit_per_ip: str = setting("HOTLINE_CLAIM_LIMIT_PER_IP")
    claim_limit_per_user: str = setting("HOTLINE_CLAIM_LIMIT_PER_USER")


@dataclasses.dataclass(frozen=True, kw_only=True)
class EvidenceSettings:
    """Evidence: size and count limits, categories and the sweep of abandoned uploads."""

    max_bytes_pdf: int = setting("EVIDENCE_MAX_BYTES_PDF", convert=int)
    max_bytes_image: int = setting("EVIDENCE_MAX_BYTES_IMAGE", convert=int)
    max_bytes_audio: int = setting("EVIDENCE_MAX_BYTES_AUDIO", convert=int)
    max_bytes_video: int = setting("EVIDENCE_MAX_BYTES_VIDEO", convert=int)
    max_files_per_case: int = setting("EVIDENCE_MAX_FILES_PER_CASE", convert=int)
    max_bytes_per_user: int = setting("EVIDENCE_MAX_BYTES_PER_USER", convert=int)
    max_request_bytes: int = setting("MAX_CONTENT_LENGTH", convert=int)
    categories: tuple[str, ...] = setting("EVIDENCE_CATEGORIES", convert=tuple)
    pending_grace_seconds: int = setting("EVIDENCE_PENDING_GRACE_SECONDS")
    orphan_grace_seconds: int = setting("EVIDENCE_ORPHAN_GRACE_SECONDS")
    sweep_interval_seconds: int = setting("EVIDENCE_SWEEP_INTERVAL_SECONDS")
    sweep_verify_hashes: bool = setting("EVIDENCE_SWEEP_VERIFY_HASHES", convert=bool)

    def max_bytes(self, family: str) -> int:
        """The configured maximum of one file family (pdf, image, audio, video)."""
        return int(getattr(self, f"max_bytes_{family}"))


@dataclasses.dataclass(frozen=True, kw_only=True)
class MediationSettings:
    """Mediation: the mediation clock, mediators' load and judicial confirmation periods."""

    days: int = setting("MEDIATION_DAYS")
    warn_days: int = setting("MEDIATION_WARN_DAYS")
    mediator_default_max_load: int = setting("MEDIATOR_DEFAULT_MAX_LOAD")
    confirmation_days: int = setting("JUDICIAL_CONFIRMATION_DAYS")
    confirmation_accept_days: int = setting("JUDICIAL_CONFIRMATION_ACCEPT_DAYS")
    confirmation_decide_days: int = setting("JUDICIAL_CONFIRMATION_DECIDE_DAYS")
    confirmation_type_code: str = setting("JUDICIAL_CONFIRMATION_TYPE_CODE")


@dataclasses.dataclass(frozen=True, kw_only=True)
class SchedulingSettings:
    """Scheduling: session length, availability slots, calendar ranges and reminder offsets."""

    reminder_offsets: str = setting("SESSION_REMINDER_OFFSETS")
    session_max_hours: int = setting("SESSION_MAX_HOURS")
    slot_minutes: int = setting("SCHEDULE_SLOT_MINUTES")
    max_range_days: int = setting("SCHEDULE_MAX_RANGE_DAYS")


@dataclasses.dataclass(frozen=True, kw_only=True)
class InvitationSettings:
    """Invitations: the mini-program page, link base, lifetimes and acceptance limits."""

    page: str = setting("INVITATION_PAGE")
    link_base: str = setting("INVITATION_LINK_BASE")
    default_hours: int = setting("INVITATION_DEFAULT_HOURS")
    max_hours: int = setting("INVITATION_MAX_HOURS")
    accept_limit_per_ip: str = setting("INVITATION_ACCEPT_LIMIT_PER_IP")
    accept_limit_per_user: str = setting("INVITATION_ACCEPT_LIMIT_PER_USER")


@dataclasses.dataclass(frozen=True, kw_only=True)
class DocumentSettings:
    """Served documents: file limits, batches and the delivery sweep (reminders, escalation)."""

    max_bytes: int = setting("DOCUMENT_MAX_BYTES")
    file_types: tuple[str, ...] = setting("DOCUMENT_FILE_TYPES", convert=tuple)
    batch_max_items: int = setting("DOCUMENT_BATCH_MAX_ITEMS")
    remind_after_hours: int = setting("DELIVERY_REMIND_AFTER_HOURS")
    escalate_after_hours: int = setting("DELIVERY_ESCALATE_AFTER_HOURS")
    sweep_batch: int = setting("DELIVERY_SWEEP_BATCH")


@dataclasses.dataclass(frozen=True, kw_only=True)
class NotificationSettings:
    """Notifications: WeChat subscribe-message templates, outbox grace periods, the dev SMS outbox, SMS timeout."""

    wechat_templates: str = setting("NOTIFICATION_WECHAT_TEMPLATES", default="", convert=lambda v: str(v or ""))
    pending_grace_seconds: int = setting("NOTIFICATION_PENDING_GRACE_SECONDS")
    claim_grace_seconds: int = setting("NOTIFICATION_CLAIM_GRACE_SECONDS")
    dev_sms_outbox: bool = setting("DEV_SMS_OUTBOX")
    sms_http_timeout: int = setting("SMS_HTTP_TIMEOUT")  # the SMS outbox's lease outlasts one gateway call
    dev_email_outbox: bool = setting("DEV_EMAIL_OUTBOX", default=False)
    email_smtp_timeout: int = setting("EMAIL_SMTP_TIMEOUT", default=10)  # the e-mail outbox's lease outlasts it
    email_code_ttl_minutes: int = setting("EMAIL_CODE_TTL_MINUTES", default=30)  # service-address codes


@dataclasses.dataclass(frozen=True, kw_only=True)
class WebhookSettings:
    """Webhooks: allowed receivers, timeouts, retries and the sweep batch."""

    allowed_hosts: tuple[str, ...] = setting("WEBHOOK_ALLOWED_HOSTS", convert=tuple)
    allow_http: bool = setting("WEBHOOK_ALLOW_HTTP")
    timeout_seconds: int = setting("WEBHOOK_TIMEOUT_SECONDS")
    retry_base_seconds: int = setting("WEBHOOK_RETRY_BASE_SECONDS")
    retry_max_seconds: int = setting("WEBHOOK_RETRY_MAX_SECONDS")
    retry_window_hours: int = setting("WEBHOOK_RETRY_WINDOW_HOURS")
    sweep_batch: int = setting("DELIVERY_SWEEP_BATCH")


@dataclasses.dataclass(frozen=True, kw_only=True)
class StatisticsSettings:
    """Statistics: how long the directory's counts are cached."""

    directory_counts_ttl_seconds: int = setting("DIRECTORY_COUNTS_TTL_SECONDS")


@dataclasses.dataclass(frozen=True, kw_only=True)
class PaymentSettings:
    """Payments: WeChat Pay's merchant, keys and mode, order lifetimes and the lost-notification query."""

    enabled: bool = setting("PAYMENTS_ENABLED", default=True)
    mode: str = setting("WECHATPAY_MODE", default="dev")
    base_url: str = setting("WECHATPAY_BASE_URL", default="https://api.mch.weixin.qq.com")
    mchid: str = setting("WECHATPAY_MCHID", default="")
    appid: str = setting("WECHATPAY_APPID", default="")
    cert_serial_no: str = setting("WECHATPAY_CERT_SERIAL_NO", default="")
    private_key: str = setting("WECHATPAY_PRIVATE_KEY", default="")
    apiv3_key: str = setting("WECHATPAY_APIV3_KEY", default="")
    public_key: str = setting("WECHATPAY_PUBLIC_KEY", default="")
    public_key_id: str = setting("WECHATPAY_PUBLIC_KEY_ID", default="")
    cert_dir: str = setting("WECHATPAY_CERT_DIR", default="")
    notify_url: str = setting("WECHATPAY_NOTIFY_URL", default="")
    timeout_seconds: int = setting("WECHATPAY_TIMEOUT_SECONDS", default=10)
    notify_window_seconds: int = setting("WECHATPAY_NOTIFY_WINDOW_SECONDS", default=300)
    order_expire_minutes: int = setting("PAYMENT_ORDER_EXPIRE_MINUTES", default=30)
    query_after_minutes: int = setting("PAYMENT_QUERY_AFTER_MINUTES", default=5)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ArchiveSettings:
    """Case files and personal-data exports: the download link's life, the build lease, how long archives stay."""

    link_expires_seconds: int = setting("ARCHIVE_LINK_EXPIRES_SECONDS", default=300)
    build_lease_seconds: int = setting("ARCHIVE_BUILD_LEASE_SECONDS", default=900)
    retention_hours: int = setting("ARCHIVE_RETENTION_HOURS", default=24)


@dataclasses.dataclass(frozen=True, kw_only=True)
class VideoSettings:
    """Video rooms (docs/video.md): the provider (per court), TRTC's app and keys, the entry window, recordings."""

    provider: str = setting("VIDEO_PROVIDER", default="external")
    court_providers: str = setting("VIDEO_COURT_PROVIDERS", default="")  # "court-uuid=trtc,court-uuid=external"
    trtc_sdk_app_id: int = setting("TRTC_SDK_APP_ID", default=0)
    trtc_secret_key: str = setting("TRTC_SECRET_KEY", default="")
    trtc_callback_key: str = setting("TRTC_CALLBACK_KEY", default="")
    usersig_max_seconds: int = setting("VIDEO_USERSIG_MAX_SECONDS", default=6 * 3600)
    early_entry_minutes: int = setting("VIDEO_EARLY_ENTRY_MINUTES", default=15)
    grace_minutes: int = setting("VIDEO_GRACE_MINUTES", default=60)
    callback_max_age_seconds: int = setting("VIDEO_CALLBACK_MAX_AGE_SECONDS", default=600)
    recording_hosts: tuple[str, ...] = setting(
        "VIDEO_RECORDING_HOSTS", default=(".vod2.myqcloud.com", ".myqcloud.com"), convert=tuple
    )
    recording_max_bytes: int = setting("VIDEO_RECORDING_MAX_BYTES", default=4 * 1024**3)
    recording_retention_days: int = setting("VIDEO_RECORDING_RETENTION_DAYS", default=3650)
    download_timeout_seconds: int = setting("VIDEO_DOWNLOAD_TIMEOUT_SECONDS", default=30)
    trtc_api_secret_id: str = setting("TRTC_API_SECRET_ID", default="")
    trtc_api_secret_key: str = setting("TRTC_API_SECRET_KEY", default="")
    trtc_api_url: str = setting("TRTC_API_URL", default="https://trtc.tencentcloudapi.com")
    trtc_api_region: str = setting("TRTC_API_REGION", default="ap-guangzhou")


GROUPS: tuple[type, ...] = (
    HttpSettings,
    StorageSettings,
    JobSettings,
    IdentitySettings,
    WeChatSettings,
    AuditSettings,
    CaseSettings,
    HotlineSettings,
    EvidenceSettings,
    MediationSettings,
    SchedulingSettings,
    InvitationSettings,
    DocumentSettings,
    NotificationSettings,
    WebhookSettings,
    StatisticsSettings,
    PaymentSettings,
    ArchiveSettings,
    VideoSettings,
)
