"""Supporting documents 申请材料: what a kind asks for (`Material`, declared on each kind in pipeline/kinds/),
the materials several kinds share, and the check of an uploaded file — its type recognised by its first bytes
(PDF, JPEG or PNG), never by its name or the type the browser claims, and its size.

Which materials a kind asks for follows the papers the 2017 registration rules (《医师执业注册管理办法》,
《护士执业注册管理办法》, 《医疗机构管理条例实施细则》) list, kept to the ones a reviewer reads; the application form
itself is the on-line data. A required material that is missing never blocks submission on line: the review page
lists it as 缺少材料 (`missing`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.errors import ValidationFailed

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_FILENAME = 200
# Files one application may hold: a kind asks for at most five materials, a page or two each; nothing deletes an
# attachment, so without a bound one applicant could store 5 MB after 5 MB in the database for as long as they liked.
MAX_ATTACHMENTS = 20
# First bytes → the content type they prove.
SIGNATURES: dict[bytes, str] = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
TYPE_LABELS: dict[str, str] = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
EXTENSIONS: dict[str, str] = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True)
class Material:
    """A supporting document a kind asks for.

    name: its key (the `material` field of an upload); label: its Chinese name; required: listed as 缺少材料 on the
    review page while no file of it is attached.
    """

    name: str
    label: str
    required: bool = True


# --- materials several kinds ask for ------------------------------------------------------------------------

ID_DOCUMENT = Material("id_document", "身份证件")
HEALTH_CERTIFICATE = Material("health_certificate", "体检证明（六个月内）")
EMPLOYMENT_PROOF = Material("employment_proof", "拟执业机构聘用证明")
QUALIFICATION_CERTIFICATE = Material("qualification_certificate", "医师资格证书")
EXAM_CERTIFICATE = Material("exam_certificate", "护士执业资格考试成绩合格证明")


# --- an uploaded file ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str


def sniff(raw: bytes) -> str | None:
    """The content type the file's first bytes prove, or None."""
    return next((kind for magic, kind in SIGNATURES.items() if raw.startswith(magic)), None)


def check_file(raw: bytes, filename: str, material: Material) -> CheckedFile:
    """A file for `material`, or ValidationFailed on field `file` with a Chinese reason naming the material."""
    if not raw:
        raise ValidationFailed.one("file", "required", f"“{material.label}”的文件是空的，请重新选择文件")
    if len(raw) > MAX_ATTACHMENT_BYTES:
        # Only the limit and one byte more are read: how much more the file holds is not known, so it is not said.
        raise ValidationFailed.one("file", "too_large", f"“{material.label}”的文件超过{MAX_ATTACHMENT_BYTES // 1024 // 1024}MB，"
                                                        "请压缩或分页后重新上传")
    content_type = sniff(raw)
    if content_type is None:
        raise ValidationFailed.one("file", "file_type", f"“{material.label}”只能是PDF、JPEG或PNG文件（按文件内容识别，"
                                                        "改扩展名无效）")
    return CheckedFile(clean_filename(filename, content_type), content_type, len(raw), hashlib.sha256(raw).hexdigest())


def clean_filename(filename: str, content_type: str) -> str:
    """The name shown and offered on download: the last path part, no control characters, at most MAX_FILENAME
    characters, with the extension of its real type."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?').strip() or "材料"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    extension = EXTENSIONS[content_type]
    return f"{stem[: MAX_FILENAME - len(extension) - 1]}.{extension}"


def check_count(held: int, material: Material) -> None:
    """ValidationFailed on field `file` when an application already holds MAX_ATTACHMENTS files."""
    if held >= MAX_ATTACHMENTS:
        raise ValidationFailed.one("file", "out_of_range", f"每件申请最多上传{MAX_ATTACHMENTS}个材料文件，已达上限，"
                                                       f"不能再上传“{material.label}”；如需更正请联系受理机关")


def missing(materials: Iterable[Material], attached: Iterable[str]) -> list[Material]:
    """The required materials with no file attached."""
    have = set(attached)
    return [material for material in materials if material.required and material.name not in have]
