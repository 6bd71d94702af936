"""Connections between domains made once at start-up, where a lower domain must call a higher one.

Cases shows parts owned by scheduling, mediation, evidence and documents in its detail; importing them from
cases would make a circle of packages, so the providers are registered here, in the composition root.
"""

from __future__ import annotations

from app import documents
from app.agents import approvals as agent_approvals
from app.casefile import providers as casefile_providers
from app.cases import acceptance_hooks, detail_sections, end_hooks
from app.documents import queries as documents_queries
from app.documents import served_hooks
from app.evidence import catalogue as evidence_catalogue
from app.evidence import period_appeal as evidence_period_appeal
from app.evidence import period_events as evidence_period_events
from app.fees import court_settings as fee_court_settings
from app.fees import litigation_steps as fee_litigation_steps
from app.fees import messages as fee_messages
from app.fees import notices as fee_notices
from app.i18n import set_user_language_provider
from app.identity import language as identity_language
from app.litigation import appeal_evidence as litigation_appeal_evidence
from app.litigation import rules as litigation_rules
from app.litigation import served as litigation_served
from app.litigation import step_hooks as litigation_step_hooks
from app.mediation import deadlines as mediation_deadlines
from app.mediation import delegation as mediation_delegation
from app.mediation import period_end as mediation_period_end
from app.payments import events as payment_events
from app.payments import surplus as payment_surplus
from app.scheduling import hearing_events
from app.scheduling import queries as session_queries
from app.scheduling import session_hooks as scheduling_hooks
from app.scheduling import sessions as scheduling_sessions
from app.video import case_file as video_case_file
from app.video import events as video_events
from app.video import rooms as video_rooms
from app.webhooks import events as webhook_events


def connect() -> None:
    """Register every cross-domain provider (idempotent: registering again replaces)."""
    # Texts sent later (SMS, subscribe messages) follow the person's chosen language (i18n is a shared base).
    set_user_language_provider(identity_language.language_of)
    detail_sections.provide("next_session", lambda case, facts, actor: session_queries.next_session(case))
    detail_sections.provide("deadlines", lambda case, facts, actor: mediation_deadlines.for_case(case))
    detail_sections.provide_count("evidence", evidence_catalogue.visible_count_column)  # both in one statement
    detail_sections.provide_count("documents", documents_queries.visible_count_column)
    # A case that ends cancels its future sessions and their reminders (scheduling sits above cases).
    end_hooks.register("scheduling.sessions", scheduling_sessions.cancel_for_ended_case)
    # ... and a mediation a court delegated returns to that court.
    end_hooks.register("mediation.delegations", mediation_delegation.on_case_ended)
    # ... and closes the video rooms of its sessions; so does a session cancelled or moved (video sits above both).
    # After scheduling's: the rooms of the sessions it cancelled are closed here, with the case's other rooms.
    end_hooks.register("video.rooms", video_rooms.on_case_ended)
    # Its read of the case's rooms goes with scheduling's cancellation (PostgreSQL: one statement, issue 18).
    end_hooks.register_read(video_rooms.READ_NAME, video_rooms.ROOMS_OF_ENDED_CASE)
    scheduling_hooks.register("video.rooms", video_rooms.on_session_changed)
    # The case file (卷宗) holds every frozen minutes (笔录) of the case in 笔录/ (video sits above casefile's sources).
    casefile_providers.register("minutes", video_case_file.for_case_file, folder=video_case_file.FOLDER)
    # Court systems may subscribe to every event of a served document's chain.
    webhook_events.register(f"document.{name}" for name in documents.EVENT_TYPES)
    # ... and every step of what they delegated to a mediation organisation.
    webhook_events.register(f"delegation.{name}" for name in mediation_delegation.EVENT_TYPES)
    # ... and the end of the mediation period of a dispute that came from them (extended or closed).
    webhook_events.register(mediation_period_end.WEBHOOK_EVENTS)
    # A litigation case accepted gets its notice to pay (fees sits above cases); courts may follow fees.
    acceptance_hooks.register("fees.notice", fee_notices.on_case_accepted)
    acceptance_hooks.register_filed("fees.prepayment", fee_court_settings.on_case_filed)
    webhook_events.register(fee_messages.WEBHOOK_EVENTS)
    # ... and a fee paid or refunded through WeChat Pay.
    webhook_events.register(payment_events.EVENT_TYPES)
    # Litigation's later steps change fees (sits below fees and payments): Art. 15's half on mediation or
    # withdrawal, the appeal fee; then payments proposes the refund of what was paid beyond it (in this order).
    litigation_step_hooks.register("fees.litigation_steps", fee_litigation_steps.on_litigation_step)
    litigation_step_hooks.register("payments.surplus", payment_surplus.on_litigation_step)
    # ... and the hearings of their cases (booked, postponed, cancelled, held).
    webhook_events.register(hearing_events.WEBHOOK_EVENTS)
    # A served judgment, ruling or mediation statement decides the litigation (litigation sits above documents);
    # court systems may subscribe to every step after acceptance (docs/litigation.md).
    served_hooks.register("litigation.decision_served", litigation_served.on_document_served)
    evidence_period_appeal.register_window(litigation_appeal_evidence.window_open)  # appeal evidence (issue 15)
    webhook_events.register(litigation_rules.WEBHOOK_EVENTS)
    # ... and what waits for them in evidence (a period extension applied for, late evidence) and agents.
    webhook_events.register(evidence_period_events.WEBHOOK_EVENTS)
    webhook_events.register(agent_approvals.WEBHOOK_EVENTS)
    # ... and a session's recording stored and its minutes (笔录) frozen, with their SHA-256 (app/video).
    webhook_events.register(video_events.WEBHOOK_EVENTS)
