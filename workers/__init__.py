"""Celery app and tasks, one module per stage: verification, notifications, routing, identifiers, publication."""
from workers.app import app

__all__ = ["app"]
