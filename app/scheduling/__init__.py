"""Scheduling: mediation sessions, hearings and pre-trial meetings on one schedule (booking without double-booking
people or courtrooms, attendance, summons for hearings), courtrooms, availability and free slots, the caller's
schedule, the court's calendar, and reminders.

Other packages import only what `__all__` names: the modules listed (`from app.scheduling import <module>`) and the
names re-exported below.
"""

from app.scheduling.models import MediationSession

__all__ = [
    "MediationSession",
    "availability",
    "courtrooms",
    "hearing_events",
    "hearing_queries",
    "hearings",
    "queries",
    "reminders",
    "session_hooks",
    "sessions",
]
