"""The words for machine codes inside texts (a case state, a kind, a role, a document type): one table per kind.

Each label is a catalogue entry (context = the kind, msgid = the English words, marked for the scan); the
Chinese follows docs/glossary.md. `label(kind, code)` is a `Message` rendered in the reader's language; a code
a table does not know stays as the code (the code itself is never translated where it is a machine field).
"""

from __future__ import annotations

from app.i18n.catalogue import mark
from app.i18n.messages import Message

TABLES: dict[str, dict[str, str]] = {
    "case.state": {
        "submitted": mark("case.state", "submitted"),
        "assigned": mark("case.state", "assigned to a mediator"),
        "mediator_accepted": mark("case.state", "accepted by the mediator"),
        "in_mediation": mark("case.state", "in mediation"),
        "settled": mark("case.state", "settled"),
        "judicial_confirmation_requested": mark("case.state", "judicial confirmation applied for"),
        "confirmed": mark("case.state", "judicially confirmed"),
        "confirmation_rejected": mark("case.state", "judicial confirmation refused"),
        "failed": mark("case.state", "mediation failed"),
        "withdrawn": mark("case.state", "withdrawn"),
        "correction_requested": mark("case.state", "correction requested"),
        "accepted": mark("case.state", "accepted"),
        "rejected": mark("case.state", "not accepted"),
        "in_trial": mark("case.state", "in trial"),
        "hearing_scheduled": mark("case.state", "hearing scheduled"),
        "adjudicated": mark("case.state", "adjudicated"),
        "appealed": mark("case.state", "appealed"),
        "effective": mark("case.state", "effective"),
        "closed": mark("case.state", "closed"),
    },
    "case.kind": {
        "mediation": mark("case.kind", "mediation"),
        "litigation": mark("case.kind", "litigation"),
    },
    "party.role": {
        "applicant": mark("party.role", "applicant"),
        "respondent": mark("party.role", "respondent"),
        "third_party": mark("party.role", "third party"),
        "plaintiff": mark("party.role", "plaintiff"),
        "defendant": mark("party.role", "defendant"),
        "mediator": mark("party.role", "mediator"),
        "clerk": mark("party.role", "clerk"),
        "judge": mark("party.role", "judge"),
        "agent": mark("party.role", "agent"),
        "party": mark("party.role", "party"),
        "lawyer": mark("party.role", "lawyer"),
        "witness": mark("party.role", "witness"),
    },
    "session.mode": {
        "video": mark("session.mode", "video"),
        "phone": mark("session.mode", "phone"),
        "in_person": mark("session.mode", "in person"),
    },
    "attendance": {
        "present": mark("attendance", "present"),
        "absent": mark("attendance", "absent"),
        "dial_in": mark("attendance", "dialled in"),
        "in_person": mark("attendance", "in person"),
    },
    "recording.action": {
        "registered": mark("recording.action", "received"),
        "copied": mark("recording.action", "copied to the court's storage"),
        "integrity_failed": mark("recording.action", "failed its integrity check"),
        "watched": mark("recording.action", "watched"),
        "expired": mark("recording.action", "expired"),
    },
    "session.kind": {
        "mediation": mark("session.kind", "mediation session"),
        "hearing": mark("session.kind", "hearing"),
        "pretrial_meeting": mark("session.kind", "pre-trial meeting"),
    },
    "document.type": {
        "summons": mark("document.type", "summons"),
        "notice": mark("document.type", "notice"),
        "hearing_notice": mark("document.type", "hearing notice"),
        "evidence_notice": mark("document.type", "evidence notice"),
        "complaint_copy": mark("document.type", "copy of the complaint"),
        "answer_copy": mark("document.type", "copy of the answer"),
        "payment_order": mark("document.type", "payment order"),
        "judgment": mark("document.type", "judgment"),
        "ruling": mark("document.type", "ruling"),
        "mediation_document": mark("document.type", "mediation statement"),
        "other": mark("document.type", "other legal document"),
    },
    "service.method": {
        "in_person": mark("service.method", "served in person"),
        "lodged": mark("service.method", "served by leaving the document"),
        "by_post": mark("service.method", "served by post"),
        "announcement": mark("service.method", "served by public notice"),
    },
    "service.basis": {
        "delivered": mark("service.basis", "delivered to the electronic service address the recipient confirmed"),
        "opened": mark("service.basis", "first opened"),
        "downloaded": mark("service.basis", "first downloaded"),
        "acknowledged": mark("service.basis", "acknowledged"),
        "in_person": mark("service.basis", "served in person"),
        "by_post": mark("service.basis", "served by post"),
        "lodged": mark("service.basis", "served by leaving the document"),
        "announcement": mark("service.basis", "served by public notice, deemed served when the notice period ends"),
        "": mark("service.basis", "not served"),
    },
    "hold.reason": {
        "no_e_service_consent": mark(
            "hold.reason", "The recipient has not consented to electronic service (or withdrew it)."
        ),
        "address_not_confirmed": mark("hold.reason", "The recipient's electronic service address is not confirmed."),
        "recipient_not_registered": mark(
            "hold.reason", "The recipient has no account yet, so no inbox can receive the document."
        ),
    },
    "work_item.outcome": {
        "served_by_post": mark("work_item.outcome", "served by post"),
        "served_in_person": mark("work_item.outcome", "served in person"),
        "served_by_phone": mark("work_item.outcome", "served by phone"),
        "served_by_announcement": mark("work_item.outcome", "served by public notice"),
        "consent_obtained": mark("work_item.outcome", "consent obtained"),
        "no_action_needed": mark("work_item.outcome", "no action needed"),
        "delivered_electronically": mark("work_item.outcome", "delivered electronically"),
    },
    "closing.method": {
        "judgment": mark("closing.method", "judgment"),
        "dismissal": mark("closing.method", "dismissal of the complaint"),
        "mediation": mark("closing.method", "mediation"),
        "withdrawal_permitted": mark("closing.method", "withdrawal permitted"),
        "treated_as_withdrawn": mark("closing.method", "treated as withdrawn"),
        "transfer": mark("closing.method", "transfer"),
        "termination": mark("closing.method", "termination of the action"),
        "other": mark("closing.method", "other"),
    },
    "fee.relief": {
        "deferral": mark("fee.relief", "deferral"),
        "reduction": mark("fee.relief", "reduction"),
        "waiver": mark("fee.relief", "waiver"),
    },
    "decision": {
        "pending": mark("decision", "pending"),
        "granted": mark("decision", "granted"),
        "partial": mark("decision", "partly granted"),
        "refused": mark("decision", "refused"),
        "admitted": mark("decision", "admitted"),
        "accepted": mark("decision", "accepted"),
    },
    "authority": {
        "general": mark("authority", "general"),
        "special": mark("authority", "special"),
    },
    "approval.ground": {
        "citizen_agent": mark("approval.ground", "citizen agent"),
        "special_authority": mark("approval.ground", "special authority"),
    },
    "opinion": {
        "admitted": mark("opinion", "admitted"),
        "disputed": mark("opinion", "disputed"),
        "partly_admitted": mark("opinion", "partly admitted"),
    },
    "weekday": {
        "Monday": mark("weekday", "Monday"),
        "Tuesday": mark("weekday", "Tuesday"),
        "Wednesday": mark("weekday", "Wednesday"),
        "Thursday": mark("weekday", "Thursday"),
        "Friday": mark("weekday", "Friday"),
        "Saturday": mark("weekday", "Saturday"),
        "Sunday": mark("weekday", "Sunday"),
    },
    "procedure": {
        "ordinary": mark("procedure", "ordinary procedure"),
        "summary": mark("procedure", "summary procedure"),
        "small_claims": mark("procedure", "small claims procedure"),
    },
}


def label(kind: str, code: str | None) -> Message | str:
    """The words for a code of a kind, in the reader's language when rendered; an unknown code stays as it is."""
    english = TABLES.get(kind, {}).get(code or "")
    return Message(kind, english) if english is not None else (code or "")
