"""Batch submission 批量提交: an institution uploads a CSV of staff applications; a worker checks and submits it.

The portal takes the upload; the `workers.batch_uploads.process` task checks and submits. The rule (documented
in docs/architecture.md):
- The upload itself is checked at once (a CSV with a header, a `kind` column, at most MAX_ROWS rows);
  anything wrong with the file is a 400 and nothing is stored.
- A worker then checks every row exactly as `POST /api/v1/applications` would (schema, who may submit,
  one open application per person and kind), by submitting it inside a savepoint and rolling that back;
  each row's result — and every field's reason — is stored as it goes, so the progress can be read.
- Finally every valid row is submitted in ONE transaction, together with the batch's final report. Either
  all valid rows are submitted or none is (a crash rolls the whole step back and the redelivered task does
  it again); a row that became invalid meanwhile is reported as refused in that same transaction.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.accounts import Account
from models.applications import Application
from models.audit import audit
from models.base import utcnow
from models.crypto import lookup_hashes
from models.db import must_get
from models.outbox import enqueue
from models.persons import Person
from models.registers.nurses import NurseRegistration
from models.registers.physicians import PhysicianRegistration
from models.settings import Settings
from models.submission import submit
from models.uploads import Batch
from pipeline import clock
from pipeline.errors import Conflict, Forbidden, NotFound, TransitionRefused, ValidationFailed
from pipeline.kinds import INSTITUTION, KINDS, PERSON, Kind

MAX_ROWS = 2000
MAX_BYTES = 2 * 1024 * 1024
CHUNK = 25
PROCESS = "workers.batch_uploads.process"
# Columns that say what a row is and whom it is about; every other column is the kind's `data`.
ROW_COLUMNS = ("kind", "id_number")


# --- upload ---------------------------------------------------------------------------------------


def parse_csv(content: bytes) -> list[dict[str, str]]:
    """The rows of an uploaded CSV as dicts; 400 naming `file` for anything that is not a usable CSV."""
    if not content:
        raise ValidationFailed.one("file", "invalid", "请上传CSV文件")
    if len(content) > MAX_BYTES:
        raise ValidationFailed.one("file", "invalid", f"文件不能超过{MAX_BYTES // 1024 // 1024}MB")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed.one("file", "invalid", "文件应为UTF-8编码的CSV") from None
    if "\x00" in text:
        raise ValidationFailed.one("file", "invalid", "文件中不能含有空字符")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in (reader.fieldnames or [])]
    except csv.Error as error:
        raise ValidationFailed.one("file", "invalid", f"CSV格式错误：{error}") from None
    if "kind" not in header:
        raise ValidationFailed.one("file", "invalid", "第1行应为表头，且须含 kind 列（业务类型）")
    try:
        rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    except csv.Error as error:
        raise ValidationFailed.one("file", "invalid", f"CSV格式错误：{error}") from None
    rows = [row for row in rows if any(row.values())]
    if not rows:
        raise ValidationFailed.one("file", "invalid", "文件中没有数据行")
    if len(rows) > MAX_ROWS:
        raise ValidationFailed.one("file", "invalid", f"一次最多提交{MAX_ROWS}行，本文件有{len(rows)}行")
    return rows


def create_batch(session: Session, account: Account, content: bytes, filename: str = "") -> Batch:
    rows = parse_csv(content)
    batch = Batch(institution_id=account.institution_id, account_id=account.id, filename=filename[:200], rows=rows,
                  total=len(rows), results=[])
    session.add(batch)
    session.flush()
    enqueue(session, PROCESS, batch_id=batch.id)
    audit(session, f"account:{account.id}", "batch_upload", f"batch:{batch.id}", rows=len(rows))
    return batch


def own_batch(session: Session, account: Account, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None or batch.institution_id != account.institution_id:
        raise NotFound("批次")
    return batch


def batch_json(batch: Batch, with_rows: bool = True) -> dict:
    shown = {
        "id": batch.id, "status": batch.status, "filename": batch.filename, "total": batch.total,
        "checked": batch.checked, "submitted": batch.submitted, "refused": batch.refused,
        "progress": progress(batch), "created_at": clock.iso(batch.created_at),
        "finished_at": clock.iso(batch.finished_at),
    }
    if with_rows:
        shown["rows"] = batch.results
    return shown


def progress(batch: Batch) -> int:
    """Percent done: checking is most of the work; submitting all valid rows is the last step."""
    if batch.status == "done":
        return 100
    if not batch.total:
        return 0
    return min(99, batch.checked * 95 // batch.total)


# --- one row --------------------------------------------------------------------------------------


def row_data(row: dict[str, str]) -> dict:
    """The kind's `data` from a row: every other non-empty column; a cell with ; becomes a list."""
    data: dict = {}
    for column, value in row.items():
        if column in ROW_COLUMNS or value == "":
            continue
        data[column] = [part.strip() for part in value.split(";") if part.strip()] if ";" in value else value
    return data


def staff_account(session: Session, settings: Settings, institution_id: int, id_number: str) -> Account:
    """The account of a staff member of this institution, found by ID number; 400 naming `id_number` otherwise."""
    if not id_number:
        raise ValidationFailed.one("id_number", "invalid", "个人业务须填写人员的证件号码")
    person = session.scalar(select(Person).where(Person.id_number_hash.in_(lookup_hashes(settings.secrets, id_number))))
    if person is None or not is_staff(session, person, institution_id):
        raise ValidationFailed.one("id_number", "invalid", "本机构没有该证件号码的人员")
    account = session.scalar(select(Account).where(Account.person_id == person.id))
    if account is None:
        raise ValidationFailed.one("id_number", "invalid", "该人员尚未注册账号")
    return account


def is_staff(session: Session, person: Person, institution_id: int) -> bool:
    if person.institution_id == institution_id:
        return True
    for model in (PhysicianRegistration, NurseRegistration):
        if session.scalar(select(model.id).where(model.person_id == person.id, model.institution_id == institution_id)):
            return True
    return False


def batch_kinds() -> list[Kind]:
    """The staff business an institution can submit in a batch: its own filings and, on a person's behalf, theirs."""
    return [kind for kind in KINDS.values()
            if not kind.counter and kind.profession != "institution" and kind.applicants & {INSTITUTION, PERSON}]


def submit_row(session: Session, settings: Settings, institution_account: Account, row: dict[str, str]) -> Application:
    """Submit one row as the API would; for a kind a person submits, the institution submits on their behalf."""
    kind = row.get("kind", "")
    if kind not in KINDS:
        raise ValidationFailed.one("kind", "choice" if kind else "required", f"不支持的业务类型：{kind}" if kind else "必填")
    actor = institution_account
    if PERSON in KINDS[kind].applicants and INSTITUTION not in KINDS[kind].applicants:
        actor = staff_account(session, settings, institution_account.institution_id or 0, row.get("id_number", ""))
    return submit(session, actor, kind, row_data(row))


REFUSALS = (ValidationFailed, Conflict, Forbidden, NotFound, TransitionRefused)


def row_errors(error: Exception) -> list[dict[str, str]]:
    if isinstance(error, ValidationFailed):
        return [{"field": field, "reason": reason} for field, reason in error.fields.items()]
    if isinstance(error, (Conflict, Forbidden, NotFound, TransitionRefused)):
        return [{"field": "kind", "reason": error.message}]
    raise error


def try_row(session: Session, settings: Settings, account: Account, row: dict[str, str], keep: bool) -> tuple[Application | None, list]:
    """Submit a row inside a savepoint; keep it only if `keep`. Returns (application, errors)."""
    savepoint = session.begin_nested()
    try:
        application = submit_row(session, settings, account, row)
    except REFUSALS as error:
        savepoint.rollback()
        return None, row_errors(error)
    if keep:
        savepoint.commit()
        return application, []
    savepoint.rollback()
    return None, []


def duplicate_key(row: dict[str, str]) -> tuple[str, str] | None:
    if row.get("id_number"):
        return row.get("kind", ""), row["id_number"].strip().upper()
    return None


def check_rows(session: Session, settings: Settings, batch: Batch, limit: int = CHUNK) -> None:
    """Check the next `limit` rows (dry run) and store each one's result."""
    account = must_get(session, Account, batch.account_id)
    results = list(batch.results)
    seen = {duplicate_key(batch.rows[r["row"] - 2]): r["row"] for r in results if duplicate_key(batch.rows[r["row"] - 2])}
    for index in range(len(results), min(len(batch.rows), len(results) + limit)):
        row, line = batch.rows[index], index + 2  # line 1 is the header
        key = duplicate_key(row)
        if key and key in seen:
            errors = [{"field": "id_number", "reason": f"与第{seen[key]}行重复"}]
        else:
            _, errors = try_row(session, settings, account, row, keep=False)
            if key:
                seen[key] = line
        results.append({"row": line, "kind": row.get("kind", ""), "status": "refused" if errors else "valid",
                        "errors": errors, "application_id": None})
    batch.results = results
    batch.checked = len(results)
    batch.refused = sum(1 for r in results if r["status"] == "refused")
    batch.status = "checking"


def submit_valid_rows(session: Session, settings: Settings, batch: Batch) -> None:
    """Submit every valid row; the caller commits this with the report in one transaction."""
    account = must_get(session, Account, batch.account_id)
    results = []
    for result in batch.results:
        if result["status"] == "valid":
            row = batch.rows[result["row"] - 2]
            application, errors = try_row(session, settings, account, row, keep=True)
            if application is not None:
                application.history[0].comment = f"机构批量代为提交（批次{batch.id}第{result['row']}行）"
                result = {**result, "status": "submitted", "application_id": application.id}
            else:
                result = {**result, "status": "refused", "errors": errors}
        results.append(result)
    batch.results = results
    batch.submitted = sum(1 for r in results if r["status"] == "submitted")
    batch.refused = sum(1 for r in results if r["status"] == "refused")
    batch.status = "done"
    batch.finished_at = utcnow()


def pending_batches(session: Session, ids: list[int]) -> Iterator[Batch]:
    yield from session.scalars(
        select(Batch).where(Batch.id.in_(ids), or_(Batch.status == "queued", Batch.status == "checking")).order_by(Batch.id)
    )
