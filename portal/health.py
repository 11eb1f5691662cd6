"""The checks behind /readyz and `medreg status`: does the database answer, is its schema at the newest migration, does
the broker accept a connection, and how many messages and consumers each stage's queue has. Each check returns None
when all is well, else a reason in Chinese that names what failed (never a password: URLs are shown without it)."""
from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, make_url

BROKER_TIMEOUT = 2.0  # seconds to wait for the broker's answer


@functools.cache
def schema_head() -> frozenset[str]:
    """The newest migration(s) this code knows (read once: the files do not change under a running process)."""
    from models.migrate import head

    return frozenset(head())


def shown_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def first_line(error: BaseException) -> str:
    words = str(error).strip().splitlines()
    return (words[0] if words else type(error).__name__)[:200]


def schema_problem(connection: Connection) -> str | None:
    from alembic.migration import MigrationContext

    at = set(MigrationContext.configure(connection).get_current_heads())
    newest = schema_head()
    if at == newest:
        return None
    if not at:
        return "数据库尚未迁移（请运行 medreg init-db）"
    return f"数据库结构版本 {'、'.join(sorted(at))} 不是最新的 {'、'.join(sorted(newest))}（请运行 medreg db upgrade）"


@dataclass
class DatabaseState:
    database: str | None  # None: answers SELECT 1
    schema: str | None  # None: at the newest migration
    revision: tuple[str, ...] = ()


def check_database(engine: Engine) -> DatabaseState:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            from alembic.migration import MigrationContext

            revision = tuple(MigrationContext.configure(connection).get_current_heads())
            return DatabaseState(None, schema_problem(connection), revision)
    except Exception as error:
        reason = f"无法连接数据库：{first_line(error)}"
        return DatabaseState(reason, "数据库无法连接，未能检查结构版本")


def broker_connection(url: str):
    from kombu import Connection

    return Connection(url, connect_timeout=BROKER_TIMEOUT, transport_options={"max_retries": 0})


def check_broker(url: str) -> str | None:
    try:
        with broker_connection(url) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT)
        return None
    except Exception as error:
        return f"无法连接消息队列 {shown_url(url)}：{first_line(error)}"


class CachedBrokerCheck:
    """A readiness probe every few seconds from every load balancer must not open a broker connection each time:
    the answer is kept for `seconds`."""

    def __init__(self, url: str, seconds: float = 5.0) -> None:
        self.url, self.seconds = url, seconds
        self.lock = threading.Lock()
        self.checked_at = -1e9
        self.reason: str | None = None

    def __call__(self) -> str | None:
        with self.lock:
            if time.monotonic() - self.checked_at >= self.seconds:
                self.reason = check_broker(self.url)
                self.checked_at = time.monotonic()
            return self.reason


@dataclass
class QueueState:
    name: str
    messages: int | None = None  # None: the queue could not be looked at
    consumers: int | None = None  # None: not known (also on a transport that cannot count them)
    problem: str | None = None


def queue_states(url: str, names: tuple[str, ...]) -> list[QueueState]:
    """Messages ready and consumers of each queue, by a passive declare (it creates nothing; quorum queues answer too).
    A queue that does not exist closes its channel, so each queue gets its own."""
    states = []
    with broker_connection(url) as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT)
        # kombu's database transport (the embedded default) counts messages but cannot know its consumers.
        counts_consumers = connection.transport.driver_type == "amqp"
        for name in names:
            channel = connection.channel()
            try:
                _, messages, consumers = channel.queue_declare(queue=name, passive=True)
                if not counts_consumers:
                    states.append(QueueState(name, int(messages)))
                    continue
                problem = None if consumers else "没有消费者（工作进程未运行？）"
                states.append(QueueState(name, int(messages), int(consumers), problem))
            except Exception as error:
                states.append(QueueState(name, problem=f"队列不存在或无法查看：{first_line(error)}"))
            finally:
                try:
                    channel.close()
                except Exception:
                    pass
    return states
