"""The audit log: an append-only, hash-chained record of sensitive acts (keyed HMAC, gap-free sequence).

Other packages import only what `__all__` names: the modules listed (`from app.audit import <module>`) and the
names re-exported below.
"""

__all__ = [
    "log",
    "subjects",
]
