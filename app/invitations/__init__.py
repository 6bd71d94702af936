"""Invitations: QR and 8-character code invitations to a case, their preview, and accepting them.

Other packages import only what `__all__` names: the modules listed (`from app.invitations import <module>`) and the
names re-exported below.
"""

__all__ = [
    "accept",
    "issuing",
]
