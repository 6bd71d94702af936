"""Video: a provider's room for each online mediation session or hearing (TRTC, or the court's own link),
verified entry inside the session's window, attendance from the provider's signed callbacks (with corrections),
cloud recordings copied into our store with their SHA-256 and custody, and the minutes (笔录) signed by everyone.

Video sits above scheduling, mediation, cases, evidence and identity. Other packages import only what `__all__`
names.
"""

__all__ = [
    "attendance",
    "callbacks",
    "entry",
    "events",
    "minutes",
    "minutes_signing",
    "providers",
    "recordings",
    "usersig",
]
