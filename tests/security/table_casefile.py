"""Authorization rows for the case file (卷宗) and personal data rights (export, closure).

- the case file on the mini-program is for the case's parties and their lawyers: the world's citizen (the
  applicant) builds it; the clerk, judge, mediator and org admin read the case but are no party (404, as for an
  unknown case);
- the court's full file is for the staff of the case's court (clerk, judge, the court's machine client); the other
  court's staff get 404;
- a build's status is its requester's alone: everyone else gets 404, as for a build that does not exist;
- anyone logged in exports their own data; closure succeeds for a person with no live case and no staff role
  (the world's lawyer), and is 409 for the citizen (a live case) and for every staff account.
"""

from __future__ import annotations

from app.casefile import service as casefile
from app.identity import login_sessions as sessions
from app.privacy import export
from tests.security.routes import COURT, MP, USERS, Route
from tests.security.world import NONEXISTENT, World

STAFF_409 = dict.fromkeys(("mediator", "org_admin", "other_org_admin", "clerk", "other_clerk", "judge"), 409)


def _case(w: World) -> str:
    return f"/cases/{w.case.id}/case-file"


def _own_build(principal: str, *, full: bool = False):
    def path(w: World) -> str:
        key = f"casefile-{principal}-{full}"
        if key not in w.extra:
            actor = sessions.load_principal(w.people[principal])
            w.extra[key] = casefile.request_case_file(case_id=w.case.id, actor=actor, full=full)["build_id"]
        return f"/case-files/{w.extra[key]}"

    return path


def _own_export(w: World) -> str:
    if "export-citizen" not in w.extra:
        actor = sessions.load_principal(w.people["citizen"])
        w.extra["export-citizen"] = export.request_export(actor=actor)["build_id"]
    return f"/me/data-exports/{w.extra['export-citizen']}"


ROUTES = [
    Route("POST", f"{MP}/cases/<uuid:case_id>/case-file", "user", frozenset({"citizen"}), _case),
    Route("GET", f"{MP}/case-files/<uuid:build_id>", "user", frozenset({"citizen"}), _own_build("citizen")),
    Route("POST", f"{COURT}/cases/<uuid:case_id>/case-file", "any", frozenset({"clerk", "judge", "machine"}), _case),
    Route(
        "GET",
        f"{COURT}/case-files/<uuid:build_id>",
        "any",
        frozenset({"clerk"}),
        _own_build("clerk", full=True),
    ),
    Route("POST", f"{MP}/me/data-export", "user", USERS, lambda w: "/me/data-export"),
    Route("GET", f"{MP}/me/data-exports/<uuid:build_id>", "user", frozenset({"citizen"}), _own_export),
    Route(
        "POST",
        f"{MP}/me/closure",
        "user",
        frozenset({"lawyer"}),
        lambda w: "/me/closure",
        lambda w: {"confirm": True},
        special={"citizen": 409, "hotline_operator": 409, "platform_admin": 409, **STAFF_409},
    ),
]

NONEXISTENT_PATHS = {
    f"{MP}/cases/<uuid:case_id>/case-file": f"/cases/{NONEXISTENT}/case-file",
    f"{MP}/case-files/<uuid:build_id>": f"/case-files/{NONEXISTENT}",
    f"{COURT}/cases/<uuid:case_id>/case-file": f"/cases/{NONEXISTENT}/case-file",
    f"{COURT}/case-files/<uuid:build_id>": f"/case-files/{NONEXISTENT}",
    f"{MP}/me/data-exports/<uuid:build_id>": f"/me/data-exports/{NONEXISTENT}",
}
