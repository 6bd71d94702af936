"""Legal time: the holiday calendar (calendar.py), deadlines (deadlines.py) and working hours (working_hours.py).

Everything here is pure and takes the admin calendar overrides as a mapping; a service loads them once
with `app.legal.calendar.load_overrides()` and passes them in. A day that neither the chinesecalendar
package nor an override covers is never guessed: day lookups raise `CalendarNotCovered` (HTTP 409,
reason `legal.calendar_not_covered`) and deadlines come back flagged `calendar_covered=False`.
"""
