"""What a commission uploads in the pages: periodic assessment results 定期考核结果, by the same rules as
`medreg import assessments` (docs/import-formats.md) — a row with a bad field refuses the whole file, which
loads nothing; a good file loads in the request's transaction."""
from __future__ import annotations

import io

from sqlalchemy.orm import Session

from models import Account
from models.audit import audit
from models.imports import FileRefused, ImportReport, read_csv_from
from models.settings import Settings
from pipeline.errors import ValidationFailed
from publisher.loading import run_import

MAX_UPLOAD_BYTES = 20 << 20


def upload_assessments(session: Session, settings: Settings, account: Account, content: bytes, filename: str) -> ImportReport:
    if not content:
        raise ValidationFailed.one("file", "required", "请选择要上传的CSV文件")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationFailed.one("file", "too_large", f"文件不能超过{MAX_UPLOAD_BYTES >> 20}MB")
    shown = filename or "上传的文件"
    try:
        rows = read_csv_from("assessments", io.BytesIO(content), shown)
        report = run_import(session.connection(), settings, "assessments", rows, actor=None)
    except FileRefused as error:
        raise ValidationFailed.one("file", "format", error.message) from None
    audit(session, f"account:{account.id}", "upload_assessments", "assessments", account.division_code,
          loaded=report.loaded, refused=report.refused, filename=shown[:200])
    return report
