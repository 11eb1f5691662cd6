"""What a command says when the database refuses it: the cause in Chinese and what to do, never a traceback."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from portal.cli import database_failure


class DriverError(Exception):
    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def test_a_run_racing_another_is_told_to_run_again_after_it():
    said = database_failure(IntegrityError("INSERT …", {}, DriverError('duplicate key value violates unique constraint "uq_x"', "23505")))
    assert "另一项同时进行的操作" in said and "重新运行" in said and "duplicate key" in said


def test_a_missing_table_asks_for_init_db_and_no_server_for_the_address():
    missing = ProgrammingError("SELECT …", {}, DriverError('relation "accounts" does not exist', "42P01"))
    assert database_failure(missing).startswith("数据库尚未建立表结构或不是最新版本：请先运行 medreg init-db")
    down = OperationalError("connect", {}, DriverError("connection refused"))
    assert database_failure(down).startswith("无法连接数据库：请检查 MEDREG_DATABASE_URL")
