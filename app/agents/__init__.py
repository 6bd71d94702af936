"""Agents: lawyers and other agents acting for parties — appointment, the party's confirmation, revocation, and the
power of attorney checked against the represented party's stored evidence.

Other packages import only what `__all__` names: the modules listed (`from app.agents import <module>`) and the
names re-exported below.
"""

__all__ = [
    "appointments",
]
