"""Authorization rows for the holiday calendar (platform admins only)."""

from tests.security.routes import ADMIN, ADMIN_P, Route

# A synthetic year far ahead (not a real announcement); the admin's call enters it, everyone else gets 404.
_YEAR = {"holidays": [{"day": "2033-01-03", "name": "元旦"}], "workdays": [{"day": "2033-01-08", "name": "调休"}]}

ROUTES = [
    Route("GET", f"{ADMIN_P}/calendar/<int:year>", "user", ADMIN, lambda w: "/calendar/2026"),
    Route("POST", f"{ADMIN_P}/calendar/<int:year>", "user", ADMIN, lambda w: "/calendar/2033", lambda w: _YEAR),
    Route(
        "PUT",
        f"{ADMIN_P}/calendar/days/<string:day>",
        "user",
        ADMIN,
        lambda w: "/calendar/days/2026-06-15",
        lambda w: {"is_working_day": False, "holiday_name": "测试停工"},
    ),
]
