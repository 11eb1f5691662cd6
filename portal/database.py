"""request.dbsession: one SQLAlchemy session per request, joined to the request's transaction (pyramid_tm)."""
from __future__ import annotations

import zope.sqlalchemy
from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy.orm import Session

from models.db import engine_for, session_factory


def includeme(config: Configurator) -> None:
    settings = config.registry.settings["medreg"]
    factory = session_factory(settings.database_url)
    config.registry["dbsession_factory"] = factory
    # Single reads of the public end (one record by identifier) need no transaction: on PostgreSQL they run in
    # autocommit, one round trip instead of BEGIN, SELECT and ROLLBACK. SQLite keeps its own begin (models/db.py).
    engine = engine_for(settings.database_url)
    config.registry["public_reader"] = (
        engine.execution_options(isolation_level="AUTOCOMMIT") if engine.dialect.name == "postgresql" else engine)

    def dbsession(request: Request) -> Session:
        session = factory()
        zope.sqlalchemy.register(session, transaction_manager=request.tm)
        return session

    config.add_request_method(dbsession, reify=True)
    config.add_request_method(lambda request: request.registry.settings["medreg"], "medreg", reify=True)
