"""When an agent needs the court's approval (no database).

CPL Art. 61: a party may appoint one or two agents: lawyers, legal workers, the party's near relatives or staff,
or citizens recommended by the party's community, unit or a relevant social organisation (公民代理); the court
examines a citizen agent's standing (SPC interpretation Arts. 85-87). CPL Art. 62: admitting, waiving or changing
claims, settling, counterclaiming or appealing need special authorisation (特别授权) named in the power of
attorney submitted to the court. Here: a citizen agent always waits for the court; after acceptance a lawyer
with special authority waits too; a lawyer with general authority acts at once, as before acceptance and in
mediation.
"""

from __future__ import annotations

AGENT_KINDS = ("lawyer", "citizen")
CITIZEN_BASES = ("near_relative", "employee", "community_recommended", "unit_recommended")
# Litigation states after acceptance in which the court reviews special authority.
AFTER_ACCEPTANCE = frozenset({"accepted", "in_trial", "hearing_scheduled", "adjudicated", "appealed"})


def approval_grounds(*, case_kind: str, case_status: str, agent_kind: str, authority: str) -> list[str]:
    """Why this appointment needs the court's approval (empty: it needs none)."""
    if case_kind != "litigation":
        return []
    grounds = []
    if agent_kind == "citizen":
        grounds.append("citizen_agent")
    if authority == "special" and case_status in AFTER_ACCEPTANCE:
        grounds.append("special_authority")
    return grounds
