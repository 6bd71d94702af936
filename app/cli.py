"""`flask ...` management commands."""

from __future__ import annotations

import click
from flask import Flask


def register(app: Flask) -> None:
    """Attach the command groups to the app."""

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the demo data used by `make run` (idempotent)."""
        from app.services.demo import seed

        summary = seed()
        for line in summary:
            click.echo(line)

    @app.cli.command("purge-idempotency")
    def purge_idempotency() -> None:
        """Delete Idempotency-Key records past their retention."""
        from app.services.idempotency import purge_expired

        click.echo(f"purged {purge_expired()} idempotency records")
