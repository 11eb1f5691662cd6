"""Where a worker stage spends its time: SQL statements and CPU per application, in-process.

    .venv/bin/python bench/stages.py            # verify, issue and publish, 100 applications each
    .venv/bin/python bench/stages.py issue --n 200 --profile

Each stage runs once over a batch of applications waiting in its input status, on a fresh PostgreSQL
database (dropped afterwards), without a broker: the number that matters is statements per application,
since the workers are CPU-bound on SQLAlchemy and psycopg (see bench/README.md).
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, event, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models import Application
from models.db import engine_for, session_scope
from models.migrate import upgrade
from models.settings import Settings
from pipeline.lifecycle import Status
from tests import factories, journeys
from workers.batches import for_each_application

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
INPUT_STATUS = {"verify": Status.submitted, "issue": Status.approved, "publish": Status.issued}


def handler_for(stage: str, settings: Settings):
    if stage == "verify":
        from workers.verification import verify_application

        return lambda session, application: verify_application(session, application, settings)
    if stage == "issue":
        from workers.identifiers import issue_application

        return issue_application
    from workers.publication import publish_application

    return lambda session, application: publish_application(session, application, settings)


def arrange(settings: Settings, stage: str, n: int) -> None:
    written_status = Status.approved if stage == "publish" else INPUT_STATUS[stage]
    with session_scope(settings.database_url) as session:
        institution = factories.institution(session, name="剖析医院")
        for _ in range(n):
            person = journeys.person_account(session, settings, institution.id)
            application = factories.application(
                session, person["person_id"], person["account_id"], institution.id, person["certificate_no"],
                written_status, commission_code="110105",
            )
            if stage == "publish":
                factories.issued(session, application)


def measure(stage: str, n: int, profile: bool) -> None:
    name = f"medreg_stages_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        settings = Settings(database_url=url, broker_url="memory://", secret="stages-bench-secret-0", sms_backend="file:/dev/null")
        arrange(settings, stage, n)
        statements = [0]
        event.listen(engine_for(url), "before_cursor_execute", lambda *args: statements.__setitem__(0, statements[0] + 1))
        status = INPUT_STATUS[stage]
        profiler = cProfile.Profile()
        started = time.process_time()
        profiler.enable()
        done = for_each_application(settings, [], {status}, handler_for(stage, settings), claim=Application.status == status)
        profiler.disable()
        cpu = time.process_time() - started
        print(f"{stage:8s} {done} applications  {statements[0] / max(done, 1):5.1f} statements  "
              f"{1000 * cpu / max(done, 1):5.1f} ms CPU per application (this process; PostgreSQL not counted)")
        if profile:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    finally:
        engine_for(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stages", nargs="*", help="verify, issue and/or publish (default: all three)")
    parser.add_argument("--n", type=int, default=100, help="applications per stage (default 100)")
    parser.add_argument("--profile", action="store_true", help="print the cProfile of each stage")
    args = parser.parse_args()
    unknown = [stage for stage in args.stages if stage not in INPUT_STATUS]
    if unknown:
        parser.error(f"unknown stage {unknown[0]}; choose from {', '.join(INPUT_STATUS)}")
    for stage in args.stages or list(INPUT_STATUS):
        measure(stage, args.n, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
