"""Demo data for `make run`: each domain's demo module adds its seeder here, all of them idempotent."""

from __future__ import annotations

import importlib
from collections.abc import Callable

# Imported by name, in this order (a seeder may use what an earlier one made), as app/jobs registers task modules:
# the shared base never imports a domain.
DEMO_MODULES = ("app.identity.demo", "app.mediation.demo", "app.scheduling.demo", "app.payments.demo")

SEEDERS: list[Callable[[], str]] = []


def seed() -> list[str]:
    """Run every seeder in order and return one summary line each."""
    for module in DEMO_MODULES:
        importlib.import_module(module)  # registers its seeder (once per process)
    if not SEEDERS:
        return ["no demo data yet: domains add seeders to app.platform.demo.SEEDERS"]
    return [seeder() for seeder in SEEDERS]
