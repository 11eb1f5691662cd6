"""The database cuts a request's connection (a restart, a failover, an operator's pg_terminate_backend) while a client
submits: the client gets a Chinese 503 that says to try again, never a 500, nothing is half done, and the same request
succeeds once the database answers again. A real `medreg serve` process on the test database."""
from __future__ import annotations

import http.client
import json
import threading

from sqlalchemy import func, select, text

from models import Application
from models.crypto import issue_token
from models.db import session_factory
from tests import factories
from tests.functional.portal.test_serve import get, start
from tests.journeys import first_registration, person_account, wait_for


def post(port: int, path: str, body: dict, token: str) -> tuple[int, dict, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", path, json.dumps(body).encode(), {"Content-Type": "application/json",
                                                                      "Authorization": f"Bearer {token}"})
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), json.loads(answer.read() or b"{}")
    finally:
        connection.close()


def blocked_by(observer, pid: int) -> set[int]:
    observer.rollback()
    return set(observer.scalars(text("SELECT pid FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"), {"pid": pid}))


def test_a_submission_whose_database_connection_is_cut_answers_a_chinese_503_and_changes_nothing(env, db):
    desk = factories.institution(db, name=factories.unique_name("断库医院"))
    person = person_account(db, env, desk.id)
    db.commit()
    token = issue_token(env.secret, person["account_id"])
    body = {"kind": "physician.first_registration", "data": first_registration(person["certificate_no"], desk.id)}
    server, port = start(env, "--processes", "1")
    observer = session_factory(env.database_url)()
    answers: list[tuple[int, dict, dict]] = []
    try:
        assert get(port, "/readyz") == 200
        # Reads go on, new applications wait: the portal's request sits in its transaction, the insert not committed.
        db.execute(text("LOCK TABLE applications IN EXCLUSIVE MODE"))
        holder = db.execute(text("SELECT pg_backend_pid()")).scalar_one()
        client = threading.Thread(target=lambda: answers.append(post(port, "/api/v1/applications", body, token)))
        client.start()
        waiting = wait_for(lambda: blocked_by(observer, holder))
        observer.execute(text("SELECT pg_terminate_backend(pid) FROM unnest(CAST(:pids AS int[])) AS pid"), {"pids": sorted(waiting)})
        observer.commit()
        client.join(timeout=30)
        db.rollback()

        ((status, headers, answer),) = answers
        assert status == 503, answer
        assert answer["error"]["code"] == "unavailable"
        assert answer["error"]["message"] == "数据库暂时无法访问，请稍后重试"
        assert int(headers["Retry-After"]) > 0
        observer.rollback()
        assert observer.scalar(select(func.count()).select_from(Application)
                               .where(Application.applicant_account_id == person["account_id"])) == 0

        # The database is back (the portal's pool drops the dead connection): the client's retry is taken.
        status, _, answer = post(port, "/api/v1/applications", body, token)
        assert status == 201, answer
        assert answer["status"] == "submitted"
    finally:
        db.rollback()
        observer.close()
        server.terminate()
        server.wait(timeout=30)
