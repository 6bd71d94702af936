"""The case file in hand (卷宗): a party's, lawyer's or court's ZIP of the case materials they may see, with an
index of every item's title, origin, date, size and SHA-256, built in the background and downloaded through a
short-lived link; and the archive builds themselves (one row per requester and subject, with a lease), which the
personal-data export (app.privacy) uses too.

It stands above the domains it reads (cases, evidence, documents, identity, audit). Other packages import only
what `__all__` names.
"""

from app.casefile.models import ArchiveBuild

__all__ = [
    "ArchiveBuild",
    "archive",
    "builds",
    "providers",
    "service",
]
