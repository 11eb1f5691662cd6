"""The real stack: PostgreSQL, RabbitMQ, Celery workers, the portal over WebTest (fixtures in tests/conftest.py).
Every test here is marked `functional`."""
from __future__ import annotations

import functools

import pytest

from tests.journeys import portal_with


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/tests/functional/" in str(item.fspath):
            item.add_marker(pytest.mark.functional)


@pytest.fixture
def app_with(settings):
    """`app_with(**changes)`: a portal over the test database with those settings changed (tests.journeys.portal_with)."""
    return functools.partial(portal_with, settings)
