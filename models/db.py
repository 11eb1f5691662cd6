"""Engines and sessions.

The portal joins sessions to the request's transaction (zope.sqlalchemy + pyramid_tm);
workers and commands open one explicit transaction per unit of work with `session_scope`.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_SECONDS = 60


def database_unavailable(error: BaseException) -> bool:
    """The database went away (a connection cut by a restart, a failover or an operator, none to be had from the pool):
    a passing outage, to be tried again, not a fault of what was being done."""
    return isinstance(error, (OperationalError, PoolTimeout)) or (isinstance(error, DBAPIError) and error.connection_invalidated)


# SQLSTATEs of a write that met a concurrent one: a unique key another transaction took while this one ran, and class
# 40 (a serialization failure, a deadlock). Done again from the start, the work sees the other's and goes its way.
UNIQUE_VIOLATION = "23505"
TRANSACTION_ROLLBACK_CLASS = "40"


def conflicting_write(error: BaseException) -> bool:
    """The statement lost a race with another transaction, not a fault of the data: worth running the work again."""
    state = getattr(getattr(error, "orig", None), "sqlstate", None) if isinstance(error, DBAPIError) else None
    return isinstance(state, str) and (state == UNIQUE_VIOLATION or state.startswith(TRANSACTION_ROLLBACK_CLASS))


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    # hide_parameters: an error's message (now on a log line) names the statement, never the values it was given.
    # pool_pre_ping: a pooled connection is checked as it is taken, so after PostgreSQL restarts (or a proxy drops
    # idle connections) the next request gets a new one instead of a 500 (one round trip per checkout).
    return create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800, pool_pre_ping=True, hide_parameters=True)


def _sqlite_engine(url: str) -> Engine:
    """SQLite shared by the portal, the workers and the relay of `medreg demo`, each its own process.

    pysqlite opens transactions lazily, on the first write, so two processes that both read and then
    write deadlock and one gets "database is locked" without waiting. SQLAlchemy's documented recipe
    takes transaction control from the driver and starts every transaction with BEGIN IMMEDIATE: the
    write lock is taken up front, so writers queue on busy_timeout instead. It also makes SAVEPOINT
    (Session.begin_nested) behave.
    """
    engine = create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False}, hide_parameters=True
    )
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # the driver issues no BEGIN of its own; _sqlite_begin does
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.close()


# A connection's execution option saying it only reads: on SQLite it begins a deferred transaction, which takes no
# write lock (with WAL it sees one snapshot while others write). A long read — a register export streamed to a
# browser — took the write lock with BEGIN IMMEDIATE, and the request's own audit entry then waited for it forever.
READ_ONLY = "medreg_read_only"


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def insert_for(bind: Session | Connection, target: Any) -> Any:
    """An INSERT into `target` (a model or a table) that can end ON CONFLICT DO NOTHING / DO UPDATE: each dialect has
    its own construct (PostgreSQL's, SQLite's for the embedded default)."""
    name = (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(target)


_ENGINES: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """One engine per database URL in a process."""
    if url not in _ENGINES:
        _ENGINES.setdefault(url, make_engine(url))  # two threads racing here make one engine too many, harmlessly
    return _ENGINES[url]


def _drop_inherited_connections() -> None:
    # A forked child (a prefork worker's pool process) must not share the pooled connections its
    # parent opened: each child opens its own.
    for engine in _ENGINES.values():
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_drop_inherited_connections)


def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=engine_for(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    session = session_factory(url)()
    try:
        with session.begin():
            yield session
    finally:
        session.close()



T = TypeVar("T")


def must_get(session: Session, model: type[T], key: object) -> T:
    """A row the caller knows is there (a foreign key, a row it just locked): LookupError if it is not, never None."""
    row = session.get(model, key)
    if row is None:
        raise LookupError(f"no {model.__name__} {key!r}")
    return row


def dialect_of(session: Session) -> str:
    bind = session.get_bind()
    return bind.dialect.name


def hold(session: Session, what: str, key: str) -> None:
    """Wait until no other transaction holds (`what`, `key`), then keep the others waiting until this one ends:
    a transaction-scoped PostgreSQL advisory lock, one per business action, nothing written (never one per row of a
    bulk transaction: the lock table is small). SQLite (the demo) has one writer at a time and no such lock."""
    if dialect_of(session) == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(what), func.hashtext(key))))
