"""Extension objects, created unbound; `create_app` binds them to an application."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import Celery
from flask_babel import Babel  # type: ignore[import-untyped]
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from app.platform.db import Base
from app.storage.registry import StorageRegistry

db = SQLAlchemy(model_class=Base)

# The base every model subclasses. At run time it is db.Model, which Flask-SQLAlchemy builds from Base
# (same registry, metadata and type map, plus its session binding). mypy cannot take a base class from an
# instance attribute ("Name 'db.Model' is not defined"), so the type checker sees Base, the typed
# DeclarativeBase db.Model is made from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
storage = StorageRegistry()
celery = Celery("microcourt", set_as_current=True)
babel = Babel()  # bound by app.i18n.init_babel; the HTTP layer selects the reader's language
