"""Imports every model module so that the metadata knows every table (app factory, Alembic, tests).

One import per line, so that features added side by side do not collide here.
"""

import app.agents.models
import app.audit.models
import app.casefile.models
import app.cases.models
import app.documents.consent_models
import app.documents.models
import app.evidence.models
import app.evidence.period_models
import app.fees.models
import app.hotline.models
import app.identity.client_models
import app.identity.login_models
import app.identity.models
import app.identity.organization_models
import app.invitations.models
import app.legal.models
import app.litigation.models
import app.mediation.delegation_models
import app.mediation.extension_models
import app.mediation.models
import app.notifications.email_models
import app.notifications.models
import app.payments.models
import app.platform.models
import app.scheduling.models
import app.sms.models
import app.statistics.models
import app.statistics.upkeep
import app.video.models
import app.webhooks.models  # noqa: F401
