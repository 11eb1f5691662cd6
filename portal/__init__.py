"""The portal: Pyramid pages and JSON API. It validates, authorises, writes and enqueues; it never waits on a worker."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when an app is made, not by every `medreg` command (portal.cli is inside this package,
    # and portal.command must load in an instant)
    from pyramid.config import Configurator

    from models.settings import Settings


def main(global_config: dict | None = None, **ini_settings: str):
    """PasteDeploy entry point (`pserve CONFIG.ini`) and the app `medreg serve` runs."""
    config = make_config(ini_settings)
    return config.make_wsgi_app()


def make_config(ini_settings: dict[str, str] | None = None, medreg: Settings | None = None) -> Configurator:
    """The configured app; `medreg` (tests, `medreg demo`) replaces what the environment and .ini say.
    Without a secret it refuses to start (models.settings.MissingSecret)."""
    from pyramid.config import Configurator

    from models.completeness import check as check_kinds
    from models.settings import load_settings, require_secret
    from portal.errors import RETRY_ATTEMPTS

    check_kinds()
    ini_settings = dict(ini_settings or {})
    settings: dict[str, object] = {
        "tm.manager_hook": "pyramid_tm.explicit_manager", "jinja2.directories": "portal:templates",
        "retry.attempts": RETRY_ATTEMPTS, "retry.activate_hook": "portal.errors.retry_attempts",
        "jinja2.finalize": "portal.pages.common.finalize",
        **ini_settings, "medreg": require_secret(medreg or load_settings(ini_settings)),
    }
    config = Configurator(settings=settings)
    config.include("pyramid_retry")
    config.include("pyramid_tm")
    config.include("pyramid_jinja2")
    config.include("portal.database")
    config.include("portal.security")
    config.include("portal.renderers")
    config.include("portal.errors")
    config.include("portal.observe")
    config.include("portal.headers")
    config.include("portal.ratelimit")
    config.include("portal.hot_path")
    config.include("portal.uniform")
    config.include("portal.api")
    config.include("portal.pages")
    config.add_static_view("static", "portal:static", cache_max_age=3600)
    config.scan("portal.api")
    config.scan("portal.pages")
    config.scan("portal.errors")
    return config
