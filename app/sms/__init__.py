"""SMS: the text-message channel (outbox rows sent through the configured gateway on the outbox engine, their
jobs, and the development outbox that shows console messages).

A channel only: it knows phone numbers and templates, never users, so identity (login codes), notifications,
hotline, mediation and documents all send through it. Other packages import only what `__all__` names.
"""

from app.sms.models import SmsMessage

__all__ = ["SmsMessage", "dev_outbox", "outbox"]
