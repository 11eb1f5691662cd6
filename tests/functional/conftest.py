"""The real stack: PostgreSQL, RabbitMQ, Celery workers, the portal over WebTest (fixtures in tests/conftest.py).
Every test here is marked `functional`."""
from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/tests/functional/" in str(item.fspath):
            item.add_marker(pytest.mark.functional)
