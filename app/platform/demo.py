"""Demo data for `make run`; each domain adds its own seeder here, all of them idempotent."""

from __future__ import annotations

from collections.abc import Callable

SEEDERS: list[Callable[[], str]] = []


def seed() -> list[str]:
    """Run every seeder in order and return one summary line each."""
    if not SEEDERS:
        return ["no demo data yet: domains add seeders to app.platform.demo.SEEDERS"]
    return [seeder() for seeder in SEEDERS]
