"""The bare floor: what PostgreSQL and RabbitMQ alone allow, with no framework in between.

Per application, a minimal loop does the same number of single-row commits and confirmed, persistent
publishes as the pipeline needs unbatched, with the pipeline's client concurrency. The pipeline's
figure over the floor's says how much of the hardware's budget the code keeps.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
from kombu import Connection, Exchange, Queue

EXCHANGE = Exchange("bench.floor", type="direct", durable=True)
QUEUE = Queue("bench.floor", EXCHANGE, routing_key="bench.floor", durable=True)
# About the size of a Celery task message carrying one item (headers included).
BODY = {"task": "workers.verification.verify", "args": [[{"application_id": 123456, "outbox_id": 654321}]], "pad": "x" * 600}


def conninfo(database_url: str) -> str:
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def prepare(database_url: str, broker_url: str) -> None:
    with psycopg.connect(conninfo(database_url), autocommit=True) as connection:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, application int NOT NULL, "
            "step int NOT NULL, at timestamptz NOT NULL DEFAULT now())"
        )
    with Connection(broker_url) as connection:
        QUEUE(connection.default_channel).declare()


def run_floor(database_url: str, broker_url: str, applications: int, commits: int, publishes: int, threads: int) -> float:
    """Seconds the loop took for `applications`, each `commits` single-row commits and `publishes` confirmed publishes."""
    prepare(database_url, broker_url)
    shares = [applications // threads + (1 if i < applications % threads else 0) for i in range(threads)]
    start = threading.Barrier(threads + 1, timeout=120)

    def worker(offset: int, share: int) -> None:
        with psycopg.connect(conninfo(database_url)) as db, Connection(broker_url, transport_options={"confirm_publish": True}) as broker:
            producer = broker.Producer()
            start.wait()
            for application in range(offset, offset + share):
                for step in range(commits):
                    db.execute("INSERT INTO bench_floor (application, step) VALUES (%s, %s)", (application, step))
                    db.commit()
                for _ in range(publishes):
                    producer.publish(
                        BODY, exchange=EXCHANGE, routing_key="bench.floor", serializer="json", delivery_mode=2, retry=False
                    )

    offsets = [sum(shares[:i]) for i in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(worker, offset, share) for offset, share in zip(offsets, shares, strict=True)]
        start.wait()
        began = time.monotonic()
        for future in futures:
            future.result()
        return time.monotonic() - began
