"""Notifications to people: a row per thing to tell a user, delivered once by WeChat subscribe message, SMS or
e-mail (on the outbox engine; the e-mail outbox is `email_outbox`), each channel attempt kept with the provider's
answer; kinds say how each is rendered.

Other packages import only what `__all__` names: the modules listed (`from app.notifications import <module>`)
and the names re-exported below.
"""

from app.notifications.email_models import EmailMessage
from app.notifications.models import Notification, NotificationAttempt

__all__ = ["EmailMessage", "Notification", "NotificationAttempt", "dispatch", "email_outbox", "kinds"]
