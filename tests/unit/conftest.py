"""Unit tests: pure code, no PostgreSQL, no RabbitMQ (tests/conftest.py only defines fixtures; none is used here).

Every test collected under tests/unit/ is marked `unit`: `pytest -m unit` runs these alone, `-m "not unit"` the rest.
"""

from __future__ import annotations

from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "unit: pure, no servers")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if Path(item.path).resolve().is_relative_to(UNIT):
            item.add_marker(pytest.mark.unit)
