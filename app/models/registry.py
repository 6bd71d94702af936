"""Imports every model module so that the metadata knows every table (app factory, Alembic, tests).

One import per line, so that features added side by side do not collide here.
"""

import app.models.audit
import app.models.calendar
import app.models.cases
import app.models.delivery
import app.models.evidence
import app.models.hotline
import app.models.idempotency
import app.models.identity
import app.models.invitations
import app.models.mediation
import app.models.notifications
import app.models.organizations
import app.models.scheduling
import app.models.sessions
import app.models.statistics
import app.models.statistics_upkeep
import app.models.webhooks  # noqa: F401
