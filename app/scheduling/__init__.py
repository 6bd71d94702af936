"""Scheduling: mediation sessions (booking without double-booking, attendance), availability and free slots, the
caller's schedule, and session reminders.

Other packages import only what `__all__` names: the modules listed (`from app.scheduling import <module>`) and the
names re-exported below.
"""

__all__ = [
    "availability",
    "queries",
    "reminders",
    "sessions",
]
