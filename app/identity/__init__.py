"""Identity: accounts, SMS and WeChat login, login sessions (token pairs, refresh rotation), real-name verification,
lawyer profiles, courts and mediation organisations with their staff, machine clients of court systems, demo people.

Other packages import only what `__all__` names: the modules listed (`from app.identity import <module>`) and the
names re-exported below.
"""

from app.identity.models import LawyerProfile, SubscriptionGrant, User
from app.identity.organization_models import Court, MediationOrganization, MediationOrgCourt, OrgMembership

__all__ = [
    "Court",
    "LawyerProfile",
    "MediationOrgCourt",
    "MediationOrganization",
    "OrgMembership",
    "SubscriptionGrant",
    "User",
    "accounts",
    "closure",
    "demo",
    "directory_admin",
    "language",
    "login_sessions",
    "machine_clients",
    "profile",
    "sms_login",
    "user_admin",
    "wechat_login",
]
