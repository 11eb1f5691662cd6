"""Server-rendered Chinese pages for every end; views call the same services as the JSON API."""
from __future__ import annotations

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.add_route("login_page", "/login")
