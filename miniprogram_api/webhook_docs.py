"""Webhooks in the OpenAPI document: one payload schema per subscribable event type, and the signature scheme.

The document is OpenAPI 3.0.3, which has no top-level `webhooks`; so each event type is published three ways:
a component schema `WebhookEvent.<type>` (the envelope the sender writes, app/webhooks/deliveries.py `_body`,
with that type's `data`), a 3.0 callback on `POST /api/court/v1/webhooks` (the operation that subscribes a URL),
and an `x-webhooks` map shaped like 3.1's `webhooks` for tools that read it. The event types come from the
registry (app/webhooks/events.py, filled in app/wiring.py); their `data` schemas from DATA below, by exact type
first and then by the type's family (the part before the dot). tests/api/test_webhook_docs.py sends every
registered type through the real sender and fails for a type without a schema here.
"""

from __future__ import annotations

from typing import Any

from app.webhooks import events as webhook_events
from miniprogram_api.schemas.base import TIME_RANGE_TEXT

SUBSCRIBE_PATH = "/api/court/v1/webhooks"
COMPONENT_PREFIX = "WebhookEvent."
UUID = {"type": "string", "format": "uuid"}
UUID_OR_NULL = {"type": "string", "format": "uuid", "nullable": True}
TEXT_OR_NULL = {"type": "string", "nullable": True}
TIME = {"type": "string", "format": "date-time", "description": TIME_RANGE_TEXT}
TIME_OR_NULL = {**TIME, "nullable": True}
CASE = {"case_id": UUID, "case_number": TEXT_OR_NULL}
# The sender's headers (app/integrations/webhooks.py, which the HTTP layer may not import; the test compares).
SIGNATURE_HEADER = "X-MicroCourt-Signature"
EVENT_ID_HEADER = "X-MicroCourt-Event-Id"
EVENT_TYPE_HEADER = "X-MicroCourt-Event-Type"
ATTEMPT_HEADER = "X-MicroCourt-Delivery-Attempt"
TOLERANCE_SECONDS = 300


def _data(description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """An event's `data`: the named fields always present; a domain may add more (additive changes only)."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": required,
        "additionalProperties": True,
    }


# The `data` of each event family (or exact type), as the publishing domain builds it.
DATA: dict[str, dict[str, Any]] = {
    "document": _data(
        "A served document's delivery-chain event (app/documents/outbox.py): `seq` and `hash` are the event's "
        "place in the document's hash chain; `event` is the chain event's own data.",
        {
            **CASE,
            "document_id": UUID,
            "document_status": {"type": "string"},
            "seq": {"type": "integer", "minimum": 1},
            "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "event": {"type": "object", "additionalProperties": True},
        },
        ["document_id", "case_id", "case_number", "document_status", "seq", "hash", "event"],
    ),
    "delegation": _data(
        "A mediation the court delegated to an organisation, as the court reads it (app/mediation).",
        {
            "id": UUID,
            "court_id": UUID,
            "org_id": UUID,
            "org_name": {"type": "string"},
            **CASE,
            "case_kind": {"type": "string"},
            "case_status": {"type": "string"},
            "stage": {"type": "string"},
            "state": {"type": "string"},
            "due_date": {"type": "string", "format": "date"},
            "overdue": {"type": "boolean"},
            "note": TEXT_OR_NULL,
        },
        ["id", "court_id", "org_id", "case_id", "stage", "state", "due_date", "overdue"],
    ),
    "mediation": _data(
        "The mediation period of a dispute that came from the court: extended (`days`, `due_at`) or ended "
        "(`status`, `reason`).",
        {
            "case_id": UUID,
            "org_id": UUID_OR_NULL,
            "days": {"type": "integer"},
            "due_at": TIME,
            "status": {"type": "string"},
            "reason": {"type": "string"},
        },
        ["case_id", "org_id"],
    ),
    "hearing": _data(
        "A hearing of the case (or a pre-trial meeting): times in Asia/Shanghai; `reason` for a postponement or "
        "cancellation.",
        {
            **CASE,
            "hearing_id": UUID,
            "kind": {"type": "string"},
            "status": {"type": "string"},
            "starts_at": TIME,
            "ends_at": TIME,
            "mode": {"type": "string"},
            "courtroom_id": UUID_OR_NULL,
            "reason": TEXT_OR_NULL,
        },
        ["case_id", "case_number", "hearing_id", "kind", "status", "starts_at", "ends_at", "mode"],
    ),
    "fee": _data(
        "A litigation fee step (app/fees): the notice (`notice_id`, `amount_fen` in fen, `due_at`), a relief "
        "decision (`relief_id`, `kind`, `status`), an extension (`days`) or the case treated as withdrawn.",
        {
            **CASE,
            "notice_id": UUID,
            "relief_id": UUID,
            "amount_fen": {"type": "integer"},
            "due_at": TIME_OR_NULL,
            "days": {"type": "integer"},
            "kind": {"type": "string"},
            "status": {"type": "string"},
            "reason": {"type": "string"},
        },
        ["case_id", "case_number"],
    ),
    "payment": _data(
        "A fee paid or refunded through WeChat Pay: amounts in fen, the merchant's trade or refund number.",
        {
            "case_id": UUID,
            "out_trade_no": {"type": "string"},
            "out_refund_no": {"type": "string"},
            "amount_fen": {"type": "integer", "minimum": 0},
        },
        ["case_id", "amount_fen"],
    ),
    "litigation": _data(
        "A litigation step after acceptance (docs/litigation.md): ids, states and methods only, no personal data.",
        {**CASE, "status": {"type": "string"}},
        ["case_id", "case_number", "status"],
    ),
    "agent": _data(
        "An agent's appointment waiting for, or decided by, the court (app/agents).",
        {
            **CASE,
            "agent_id": UUID,
            "approval_id": UUID,
            "party_id": UUID,
            "agent_kind": {"type": "string"},
            "grounds": {"type": "array", "items": {"type": "string"}},
            "status": {"type": "string"},
        },
        ["case_id", "case_number", "agent_id", "approval_id", "party_id", "agent_kind", "grounds", "status"],
    ),
    "evidence": _data(
        "Evidence shared after the evidence period ended, waiting for the court's decision.",
        {**CASE},
        ["case_id", "case_number"],
    ),
    "evidence_period": _data(
        "A party applied for more time to give evidence.",
        {**CASE},
        ["case_id", "case_number"],
    ),
    "video": _data(
        "A video session's recording stored (`recording_id`, `sha256`, `size` in bytes) or its minutes (笔录) "
        "frozen once every signer answered (`minutes_id`, `sha256` of the text, `pdf_sha256`, the session's `kind`).",
        {
            **CASE,
            "session_id": UUID,
            "recording_id": UUID,
            "minutes_id": UUID,
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "pdf_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "size": {"type": "integer", "minimum": 0},
            "kind": {"type": "string"},
        },
        ["case_id", "case_number", "session_id", "sha256"],
    ),
}
DATA["enforcement"] = DATA["litigation"]  # announced through litigation's signals: the same shape

SIGNATURE_TEXT = (
    f"Every delivery is a POST of the JSON envelope, signed: `{SIGNATURE_HEADER}: t=<unix seconds>,"
    'v1=<hex HMAC-SHA256(secret, "{t}.{raw body}")>` with the subscription\'s secret (shown once on create '
    f"and on rotate). Recompute over the raw body, compare in constant time, reject a `t` more than "
    f"{TOLERANCE_SECONDS} s from your clock, and drop duplicates by event id. Answer 2xx when stored; "
    "410 disables the subscription; anything else is retried with exponential backoff. See docs/webhooks.md "
    "(verification examples in Python and Java)."
)
HEADERS = [
    (SIGNATURE_HEADER, "t=<unix seconds>,v1=<hex HMAC-SHA256>", "^t=[0-9]+,v1=[0-9a-f]{64}$"),
    (EVENT_ID_HEADER, "The event id (also `id` in the body): the key to drop duplicates by.", None),
    (EVENT_TYPE_HEADER, "The event type (also `type` in the body).", None),
    (ATTEMPT_HEADER, "1 for the first attempt, then 2, 3, ... on retries.", "^[0-9]+$"),
]


def data_schema(event_type: str) -> dict[str, Any] | None:
    """The `data` schema of an event type: by exact type, else by its family; None when undocumented."""
    return DATA.get(event_type) or DATA.get(event_type.split(".", 1)[0])


def undocumented() -> list[str]:
    """Registered event types without a payload schema (the test fails on any)."""
    return sorted(t for t in webhook_events.known() if data_schema(t) is None)


def component_name(event_type: str) -> str:
    """The component schema's name of an event type's envelope."""
    return COMPONENT_PREFIX + event_type


def envelope(event_type: str) -> dict[str, Any]:
    """The body the sender posts for one event type (app/webhooks/deliveries.py `_body`)."""
    data = data_schema(event_type) or {"type": "object", "description": "Not documented yet."}
    return {
        "type": "object",
        "description": f"The `{event_type}` event. {data.get('description', '')}".strip(),
        "properties": {
            "id": {**UUID, "description": "The event id; a retry carries the same id."},
            "type": {"type": "string", "enum": [event_type]},
            "created_at": {**TIME, "description": f"When the event happened ({TIME_RANGE_TEXT})."},
            "court_id": UUID,
            "data": data,
        },
        "required": ["id", "type", "created_at", "court_id", "data"],
        "additionalProperties": False,
    }


def _operation(event_type: str) -> dict[str, Any]:
    parameters = [
        {
            "name": name,
            "in": "header",
            "required": True,
            "description": text,
            "schema": {"type": "string", **({"pattern": pattern} if pattern else {})},
        }
        for name, text, pattern in HEADERS
    ]
    return {
        "summary": f"{event_type} delivered to the subscribed URL",
        "description": SIGNATURE_TEXT,
        "operationId": "webhook_" + event_type.replace(".", "_"),
        "parameters": parameters,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component_name(event_type)}"}}},
        },
        "responses": {
            "2XX": {"description": "Received: the delivery is done."},
            "410": {"description": "Gone: the subscription is disabled and its pending deliveries cancelled."},
        },
    }


def publish(api: Any) -> None:
    """Add the event schemas, the callbacks on the subscribing operation and `x-webhooks` to the document."""
    spec = api.spec
    types = sorted(webhook_events.known())
    for event_type in types:
        name = component_name(event_type)
        if name not in spec.components.schemas:
            spec.components.schema(name, component=envelope(event_type))
    operation = spec._paths.get(SUBSCRIBE_PATH, {}).get("post")  # apispec keeps operations here (see docs.py)
    if operation is not None:
        operation["callbacks"] = {t: {"{$request.body#/url}": {"post": _operation(t)}} for t in types}
    spec.options["x-webhooks"] = {t: {"post": _operation(t)} for t in types}
    spec.options.setdefault("x-webhook-signature", SIGNATURE_TEXT)
