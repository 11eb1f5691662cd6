"""What a clerk reads before deciding, in Chinese: an application's data as labelled text, the ID number masked,
and what the approval would change in the register entry (before → after), computed from the entry as it is
now and the application's data. Pure: models/review.py loads the entry, the pages show the rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pipeline.fields import FieldSpec, field_specs
from pipeline.kinds import KINDS, Kind
from pipeline.persons import ID_TYPES, masked
from pipeline.registers import institutions, nurses, physicians

NONE = "—"

# The fields of a register entry the review shows, per register, with their Chinese titles (models/review.py
# loads them under these names). `institution` is the (main) practice institution's name.
PROFILE_LABELS: dict[str, str] = {"photo": "照片", "education": "学历", "school": "毕业学校", "title": "职称"}
ENTRY_LABELS: dict[str, dict[str, str]] = {
    "physician": {"status": "注册状态", "institution": "主要执业机构", "practice_category": "执业类别",
                  "practice_scopes": "执业范围", "institutions": "执业机构（含多机构备案）", **PROFILE_LABELS},
    "nurse": {"status": "注册状态", "institution": "执业机构", "department": "执业科室", "valid_until": "有效期至",
              **PROFILE_LABELS},
    "institution": {"status": "机构状态", **{name: institutions.FIELD_LABELS[name] for name in (
        *institutions.REGISTER_FIELDS, *institutions.PROFILE_FIELDS)}},
}
ENTRY_STATUS_LABELS: dict[str, dict[str, str]] = {
    "physician": physicians.STATUS_LABELS, "nurse": nurses.STATUS_LABELS, "institution": institutions.STATUS_LABELS,
}
# A data field that lands in an entry field of another name.
DATA_TO_ENTRY: dict[str, str] = {"institution_id": "institution", "practice_scope": "practice_scopes"}


def mask_id_number(number: str | None) -> str:
    """An ID number as a page shows it before an audited reveal: 110105********131X for a resident ID (the
    division and the last four kept), the first and last two characters of any other document."""
    if not number:
        return NONE
    if len(number) == 18:
        return masked(number, 6, 4)
    keep = 2 if len(number) > 5 else 1
    return masked(number, keep, keep)


def id_type_label(id_type: str | None) -> str:
    return ID_TYPES.get(id_type or "", NONE)


# --- the data of an application as a page shows it ----------------------------------------------------------


def shown_value(spec: FieldSpec | None, value: Any, names: Mapping[int, str]) -> str:
    """One value as Chinese text: an institution by name, a choice by its label, a photo as a note, lists joined."""
    if value is None or value == "" or value == []:
        return NONE
    widget = spec.widget.name if spec else ""
    if widget == "institution" or (spec is None and isinstance(value, int) and value in names):
        try:
            return names.get(int(value)) or f"编号为{value}的机构"
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, Mapping):
        if "base64" in value:
            size = value.get("bytes")
            return "已上传照片" + (f"（{round(size / 1024)}KB）" if isinstance(size, int) else "")
        return "、".join(f"{key}：{item}" for key, item in value.items())
    labels = dict(spec.widget.options) if spec else {}
    if isinstance(value, list):
        return "、".join(labels.get(item, str(item)) for item in value) or NONE
    if isinstance(value, bool):
        return "是" if value else "否"
    return labels.get(value, str(value)) if isinstance(value, str) else str(value)


def data_rows(kind: Kind | None, data: Mapping[str, Any], names: Mapping[int, str]) -> list[tuple[str, str]]:
    """(Chinese title, shown value) of each field the application's data holds, in the kind's order; a key the kind
    does not declare (data written before the kind changed) is titled by any kind that declares it."""
    specs = {spec.name: spec for spec in field_specs(kind.data)} if kind else {}
    ordered = [name for name in specs if name in data] + [name for name in data if name not in specs]
    rows = []
    for name in ordered:
        spec = specs.get(name) or ANY_SPEC.get(name)
        rows.append((spec.title if spec else "其他信息", shown_value(spec, data[name], names)))
    return rows


def _any_specs() -> dict[str, FieldSpec]:
    found: dict[str, FieldSpec] = {}
    for kind in KINDS.values():
        for spec in field_specs(kind.data):
            found.setdefault(spec.name, spec)
    return found


ANY_SPEC: dict[str, FieldSpec] = _any_specs()


# --- what an approval would change ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str


def entry_text(profession: str, name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return NONE
    if name == "status":
        return ENTRY_STATUS_LABELS[profession].get(value, "其他状态")
    if name == "photo":
        return "更换为新照片" if isinstance(value, Mapping) else ("有" if value else "无")
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def after_approval(kind: Kind, entry: Mapping[str, Any] | None, data: Mapping[str, Any],
                   names: Mapping[int, str]) -> dict[str, Any]:
    """The entry's fields as the approval would leave them: the data laid over the entry (in the entry's terms),
    then what the kind's `preview` adds."""
    fields = ENTRY_LABELS[kind.profession]
    after = dict(entry or {})
    given: dict[str, Any] = {}
    for name, value in data.items():
        target = DATA_TO_ENTRY.get(name, name)
        if target not in fields:
            continue
        if name == "institution_id":
            value = shown_value(ANY_SPEC["institution_id"], value, names)
        given[target] = value
    after.update(given)
    if kind.preview is not None:
        after.update(kind.preview(entry, given))
    return after


def changes(kind: Kind, entry: Mapping[str, Any] | None, data: Mapping[str, Any], names: Mapping[int, str]) -> list[Change]:
    """The rows of the before/after table: each entry field the approval would change, in the register's order."""
    after = after_approval(kind, entry, data, names)
    before = entry or {}
    rows = []
    for name, label in ENTRY_LABELS[kind.profession].items():
        old, new = entry_text(kind.profession, name, before.get(name)), entry_text(kind.profession, name, after.get(name))
        if old != new:
            rows.append(Change(name, label, old, new))
    return rows
