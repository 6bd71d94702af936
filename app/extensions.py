"""Extension objects, created unbound; `create_app` binds them to an application."""

from __future__ import annotations

from celery import Celery
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from app.platform.db import Base
from app.storage.registry import StorageRegistry

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
storage = StorageRegistry()
celery = Celery("microcourt", set_as_current=True)
