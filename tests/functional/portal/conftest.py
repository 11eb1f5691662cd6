"""The commands run against the test database and broker: `env` points the environment at them."""
from __future__ import annotations

import pytest


@pytest.fixture
def env(monkeypatch, settings):
    monkeypatch.setenv("MEDREG_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MEDREG_BROKER_URL", settings.broker_url)
    monkeypatch.setenv("MEDREG_SECRET", settings.secret)
    monkeypatch.setenv("MEDREG_LICENCE_KEYS", settings.licence_keys)
    monkeypatch.setenv("MEDREG_ALLOWED_PUSH_NETWORKS", ",".join(settings.allowed_push_networks))
    monkeypatch.delenv("MEDREG_CHANNELS", raising=False)
    return settings
