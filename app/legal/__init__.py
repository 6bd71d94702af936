"""Legal rules with no knowledge of cases: the holiday calendar (and entering a year), working hours, and the deadline
engine that explains every date it computes.

Other packages import only what `__all__` names: the modules listed (`from app.legal import <module>`) and the
names re-exported below.
"""

from app.legal.calendar import CalendarNotCovered, day_kind, load_overrides
from app.legal.deadlines import Deadline, add_months, compute_deadline
from app.legal.working_hours import hours_from_config, is_off_hours, working_minutes_between

__all__ = [
    "CalendarNotCovered",
    "Deadline",
    "add_months",
    "calendar",
    "calendar_admin",
    "compute_deadline",
    "day_kind",
    "deadlines",
    "hours_from_config",
    "is_off_hours",
    "load_overrides",
    "working_minutes_between",
]
