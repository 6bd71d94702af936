"""Personal-data jobs (a thin wrapper): build one export (the sweep is app.casefile's, over every archive)."""

from __future__ import annotations

import uuid

from app.extensions import celery
from app.privacy import export


@celery.task(name=export.TASK)
def build_personal_data_export(build_id: str) -> str:
    """Build one personal-data export (queued -> building -> ready | failed)."""
    return export.run_build(uuid.UUID(build_id))
