"""`medreg status`: the state of the deployment, in Chinese (or JSON); exit 0 when all is up, 1 naming what is down."""
from __future__ import annotations

import json
import os
import subprocess

from tests.functional.portal.test_serve import medreg_command


def status(env_settings, *argv: str, **changes: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "MEDREG_DATABASE_URL": env_settings.database_url, "MEDREG_BROKER_URL": env_settings.broker_url,
                   "MEDREG_SECRET": env_settings.secret, **changes}
    return subprocess.run([*medreg_command(), "status", *argv], env=environment, capture_output=True, text=True, timeout=120)


def test_status_shows_the_queues_and_exits_0_when_all_is_up(settings, workers):
    shown = status(settings)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    for queue in ("verify", "notify", "route", "issue", "publish"):
        assert queue in shown.stdout
    assert "数据库" in shown.stdout and "消息队列" in shown.stdout and "发件箱" in shown.stdout and "正常" in shown.stdout
    report = json.loads(status(settings, "--json").stdout)
    assert report["healthy"] is True and report["problems"] == []
    assert {queue["name"] for queue in report["queues"]} == {"verify", "notify", "route", "issue", "publish"}
    assert all(queue["consumers"] >= 1 for queue in report["queues"])
    assert report["database"]["schema_at_head"] is True and "waiting" in report["outbox"]


def test_status_exits_1_with_a_reason_when_the_database_cannot_be_reached(settings):
    shown = status(settings, MEDREG_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/none")
    assert shown.returncode == 1
    assert "无法连接数据库" in shown.stdout and "异常" in shown.stdout
    report = json.loads(status(settings, "--json", MEDREG_BROKER_URL="amqp://guest:guest@127.0.0.1:1//").stdout)
    assert report["healthy"] is False and any("消息队列" in problem for problem in report["problems"])


def test_status_warns_when_applications_wait_unswept_because_no_beat_runs(settings, db):
    from datetime import timedelta

    from models import Application
    from models.base import utcnow
    from tests import factories
    from tests.functional.test_no_lost_work import approved_applications

    desk = factories.institution(db, name=factories.unique_name("无人清扫医院"))
    (application_id,) = approved_applications(db, settings, desk, 1, "110105")
    application = db.get(Application, application_id)
    # Approved ten minutes ago and never re-offered since: its issue message was lost and no sweep ran (no beat).
    application.updated_at = utcnow() - timedelta(minutes=10)
    db.commit()
    try:
        report = json.loads(status(settings, "--json").stdout)
        assert report["unswept"]["count"] >= 1
        assert any("未被重新派发" in warning and "beat" in warning for warning in report["warnings"])
        assert "可能没有运行" in status(settings).stdout
    finally:
        db.get(Application, application_id).status = "rejected"  # final: no sweep of a later test takes it up
        db.commit()
