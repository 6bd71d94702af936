"""Agents: lawyers and other agents acting for parties — appointment, the party's confirmation, revocation, the
court's approval where the law requires it (citizen agents, special authority after acceptance), and the power of
attorney checked against the represented party's stored evidence.

Other packages import only what `__all__` names: the modules listed (`from app.agents import <module>`) and the
names re-exported below.
"""

from app.agents.models import AgentApproval

__all__ = [
    "AgentApproval",
    "appointments",
    "approvals",
    "rules",
]
