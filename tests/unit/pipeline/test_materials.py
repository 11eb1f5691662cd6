"""Supporting documents: what each kind asks for, and the check of a file by its content."""
from __future__ import annotations

import pytest

from pipeline.kinds import KINDS, problems
from pipeline.materials import MAX_ATTACHMENT_BYTES, Material, check_file, clean_filename, missing, sniff
from tests.unit.pipeline.samples import errors

LICENCE = Material("licence", "医师资格证书")
PDF, JPEG, PNG = b"%PDF-1.7\n", b"\xff\xd8\xff\xe0\x00\x10JFIF", b"\x89PNG\r\n\x1a\n\x00\x00"


def test_the_type_comes_from_the_first_bytes():
    assert (sniff(PDF), sniff(JPEG), sniff(PNG)) == ("application/pdf", "image/jpeg", "image/png")
    assert sniff(b"MZ\x90\x00") is None and sniff(b"GIF89a") is None and sniff(b"") is None


def test_a_file_is_checked_and_named_by_what_it_is():
    checked = check_file(PNG, "C:\\照片\\证书.PDF", LICENCE)
    assert (checked.content_type, checked.size, checked.name) == ("image/png", len(PNG), "证书.png")
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(("raw", "code", "words"), [
    (b"MZ\x90\x00" + b"\x00" * 60, "file_type", ("医师资格证书", "PDF、JPEG或PNG")),
    (PDF + b"0" * MAX_ATTACHMENT_BYTES, "too_large", ("医师资格证书", "5MB")),
    (b"", "required", ("医师资格证书",)),
])
def test_a_bad_file_is_refused_on_field_file_naming_the_material(raw, code, words):
    reason, got = errors(lambda data: check_file(data, "a.pdf", LICENCE), raw)["file"]
    assert got == code and all(word in reason for word in words)


def test_file_names_lose_paths_and_control_characters_and_keep_their_length():
    assert clean_filename("../../etc/passwd", "application/pdf") == "passwd.pdf"
    assert clean_filename("a\x00b\"<c>.jpg", "image/jpeg") == "abc.jpg"
    assert clean_filename("", "image/png") == "材料.png"
    assert len(clean_filename("长" * 500 + ".pdf", "application/pdf")) == 200


def test_missing_lists_the_required_materials_without_a_file():
    optional = Material("extra", "其他", required=False)
    assert missing((LICENCE, optional), []) == [LICENCE]
    assert missing((LICENCE, optional), ["licence"]) == []


def test_kinds_ask_for_materials_with_one_label_per_name():
    labels: dict[str, str] = {}
    for kind in KINDS.values():
        assert not problems(kind)
        for material in kind.materials:
            assert labels.setdefault(material.name, material.label) == material.label, material.name
    assert KINDS["physician.departure_filing"].material("departure_proof").label == "离岗证明"
    assert KINDS["institution.suspension"].material("suspension_statement").label == "停业说明"
    first = {m.label for m in KINDS["physician.first_registration"].materials if m.required}
    assert {"医师资格证书", "身份证件", "体检证明（六个月内）"} <= first
    assert all(not kind.materials for kind in KINDS.values() if kind.counter)
