"""The electronic service certificate (电子送达凭证) and its public verification, without personal data."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from sqlalchemy import select

from app.audit import log as audit
from app.cases import Case
from app.documents import chain as delivery_chain
from app.documents import court_view as documents_court
from app.documents import other_service
from app.documents import rules as documents_rules
from app.documents.models import ServedDocument
from app.errors import NotFound
from app.extensions import db
from app.identity import Court
from app.integrations import pdf
from app.security.permissions import Principal
from app.utils import clock

EVENT_LABELS = {
    "submitted": "法院提交",
    "accepted": "平台受理",
    "rejected": "平台拒收",
    "delivered": "送达至受送达人系统",
    "notified": "通知已发送",
    "notification_failed": "通知发送失败",
    "opened": "查阅文书",
    "downloaded": "下载文书",
    "acknowledged": "签收",
    "expired": "逾期未查阅",
    "failed": "电子送达终止",
    "served_otherwise": "以其他方式送达",
}
STATUS_LABELS = {
    "accepted": "已受理",
    "rejected": "已拒收",
    "held": "暂缓送达（待确认送达地址）",
    "delivered": "已送达",
    "opened": "已查阅",
    "acknowledged": "已签收",
    "expired": "逾期未查阅（已转其他方式送达）",
    "failed": "电子送达终止（已采用其他方式送达）",
}
ROLE_LABELS = {
    "plaintiff": "原告",
    "defendant": "被告",
    "applicant": "申请人",
    "respondent": "被申请人",
    "third_party": "第三人",
}
ADDRESS_LABELS = {"mini-program inbox": "受送达人的微法院小程序账户"}
CHANNEL_LABELS = {
    "mini_program_inbox": "微法院小程序送达箱",
    "sms": "短信",
    "wechat": "微信订阅消息",
    "email": "电子邮件",
}


def _local(at: dt.datetime | None) -> str:
    return at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if at else "—"


def certificate_pdf(*, document_id: uuid.UUID, actor: Principal) -> bytes:
    """The certificate of one document as PDF, for staff of its court."""
    document = documents_court.load_for_court(document_id, actor=actor)
    body = pdf.render_service_certificate(certificate_data(document))
    audit.record_now("document.certificate_issued", actor=actor, object_type="served_document", object_id=document.id)
    return body


def certificate_data(document: ServedDocument) -> pdf.CertificateData:
    """What the certificate says, masked: court, case, document, recipient, channel, events, digest, code."""
    view = documents_court.describe(document)
    court = db.session.get(Court, document.court_id)
    recipient = view["recipient"]
    who = f"{recipient['name'] or '—'}（{ROLE_LABELS.get(recipient['role'] or '', '当事人')}）"
    fields = [
        ("法院", f"{court.name}（{court.code}）" if court else "—"),
        ("案号", view["case_number"] or "—"),
        ("文书", f"{view['doc_type_label']}《{document.title}》"),
        ("受送达人", who + (f" 手机 {recipient['phone']}" if recipient["phone"] else "")),
        ("送达方式", _method(document)),
        ("送达地址", ADDRESS_LABELS.get(view["service_address"] or "", view["service_address"] or "—")),
        ("送达状态", STATUS_LABELS.get(document.status, document.status)),
        ("视为送达时间", _local(document.served_at) + _basis(document)),
    ]
    events = [(_local(event["at"]), EVENT_LABELS[event["type"]], _detail(event)) for event in view["events"]]
    chain = "完整" if view["chain"]["valid"] else "异常：" + (view["chain"]["problem"] or "")
    return pdf.CertificateData(
        heading="电子送达凭证",
        fields=fields,
        events=events,
        sha256=document.sha256,
        verification_code=document.verification_code,
        verify_url=view["verify_url"],
        footer=f"出具时间：{_local(clock.now())}（北京时间）。送达记录哈希链校验：{chain}。本凭证由微法院平台根据服务器记录自动生成。",
    )


def _method(document: ServedDocument) -> str:
    """The channel of electronic delivery, or the other means the court recorded (its basis then)."""
    if document.served_basis in other_service.METHODS:
        return other_service.METHODS[document.served_basis].label
    return CHANNEL_LABELS.get(document.channel, document.channel) if document.delivered_at else "—"


def _basis(document: ServedDocument) -> str:
    return f"（{documents_rules.BASIS_LABELS[document.served_basis]}）" if document.served_basis else ""


def _detail(event: dict) -> str:
    data = event["data"] or {}
    if event["type"] in ("notified", "notification_failed"):
        channel = CHANNEL_LABELS.get(data.get("channel") or "", data.get("channel") or "—")
        audience = "代理律师" if data.get("audience") == "agent" else "受送达人"
        audience += "（催告）" if data.get("purpose") == "reminder" else ""
        audience += f" {data['to']}" if data.get("to") else ""  # the address it went to, masked
        return f"{channel} → {audience}" + (
            f"（{data['provider_message']}）"
            if event["type"] == "notification_failed" and data.get("provider_message")
            else ""
        )
    if event["type"] == "delivered":
        address = data.get("address") or ""
        return f"{CHANNEL_LABELS.get(data.get('channel', ''), '')} {ADDRESS_LABELS.get(address, address)}".strip()
    if event["type"] in ("rejected", "failed"):
        return str(data.get("reason") or data.get("method") or "")
    if event["type"] == "served_otherwise":
        text = f"{data.get('method_label') or ''} 送达时间 {_local(_parse(data.get('served_at')))}"
        if data.get("announced_at"):
            text += f"（公告发出 {_local(_parse(data['announced_at']))}，经过三十日视为送达）"
        return text + (f"；{data['note']}" if data.get("note") else "")
    if event["type"] in ("opened", "downloaded", "acknowledged"):
        return "代理律师" if event["actor_role"] == "agent" else "受送达人"
    return ""


def _parse(value: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else None


def verify_public(*, code: str) -> dict:
    """Confirm a certificate by its code: court, case number, digests, times; no personal data."""
    document = db.session.scalar(select(ServedDocument).where(ServedDocument.verification_code == code.upper()))
    if document is None:
        raise NotFound("No certificate has this verification code.", reason="verification.not_found")
    events = delivery_chain.events_of(document.id)
    court = db.session.get(Court, document.court_id)
    case = db.session.get(Case, document.case_id)
    return {
        "verification_code": document.verification_code,
        "chain_valid": delivery_chain.verify_document(document, events) is None,
        "court": {"name": court.name, "code": court.code} if court else None,
        "case_number": case.case_number if case else None,
        "doc_type": document.doc_type,
        "doc_type_label": documents_rules.DOC_TYPES[document.doc_type].label,
        "title_sha256": hashlib.sha256(document.title.encode()).hexdigest(),
        "document_sha256": document.sha256,
        "status": document.status,
        "delivered_at": document.delivered_at,
        "served_at": document.served_at,
        "served_basis": document.served_basis,
        "events": [{"type": event.type, "at": event.at} for event in events],
    }
