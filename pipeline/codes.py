"""Code lists shipped as data files under pipeline/data/ (names as in the national standards)."""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

QUALIFICATION_LEVELS: tuple[str, ...] = ("执业医师", "执业助理医师")
QUALIFICATION_CATEGORIES: tuple[str, ...] = ("临床", "中医", "口腔", "公共卫生")


def _data_dir() -> Traversable:
    """pipeline/data via importlib.resources; falls back to this file's directory when the
    package was installed (editable) as a namespace package, which importlib.resources of
    Python 3.11 cannot traverse."""
    try:
        return files("pipeline").joinpath("data")
    except (NotADirectoryError, FileNotFoundError, TypeError):
        return Path(__file__).resolve().parent / "data"


@cache
def _rows(filename: str) -> tuple[dict[str, str], ...]:
    text = _data_dir().joinpath(filename).read_text(encoding="utf-8")
    return tuple(dict(row) for row in csv.DictReader(io.StringIO(text)))


def practice_categories() -> list[str]:
    """执业类别: 临床, 口腔, 公共卫生, 中医."""
    return [row["name"] for row in _rows("practice_categories.csv")]


def practice_scopes(category: str | None = None) -> list[str]:
    """执业范围 names, of one category or of all (each name once, in file order)."""
    names = [row["name"] for row in _rows("practice_scopes.csv")
             if category is None or row["category"] == category]
    return list(dict.fromkeys(names))


def scope_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """执业范围 as a choice lists them: by category, each scope once — under the first category that has it, its text
    naming every category it belongs to (全科医学专业 is both 临床 and 中医: one option, "全科医学专业（临床、中医）").
    [(category, [(scope, text), …]), …]; a category whose scopes all came earlier is left out."""
    categories: dict[str, list[str]] = {}
    for row in _rows("practice_scopes.csv"):
        categories.setdefault(row["name"], [])
        if row["category"] not in categories[row["name"]]:
            categories[row["name"]].append(row["category"])
    groups: dict[str, list[tuple[str, str]]] = {}
    for scope, of in categories.items():
        text = scope if len(of) == 1 else f"{scope}（{'、'.join(of)}）"
        groups.setdefault(of[0], []).append((scope, text))
    return [(category, groups[category]) for category in practice_categories() if category in groups]


@cache
def scope_category_pairs() -> frozenset[tuple[str, str]]:
    """Every valid (scope, category) pair."""
    return frozenset((row["name"], row["category"]) for row in _rows("practice_scopes.csv"))


def departments() -> list[str]:
    """诊疗科目 (first-level subjects of 《医疗机构诊疗科目名录》)."""
    return [row["name"] for row in _rows("departments.csv")]


def department_codes() -> dict[str, str]:
    """诊疗科目 name → its two-digit code."""
    return {row["name"]: row["code"] for row in _rows("departments.csv")}


def default_scope_map() -> dict[str, frozenset[str]]:
    """The default 诊疗科目 → 执业范围 map an institution starts from (a fresh copy)."""
    return dict(_default_scope_map())


@cache
def _default_scope_map() -> dict[str, frozenset[str]]:
    result: dict[str, set[str]] = {}
    for row in _rows("department_scopes.csv"):
        result.setdefault(row["department"], set()).add(row["scope"])
    return {department: frozenset(scopes) for department, scopes in result.items()}


def institution_types() -> list[str]:
    """医疗机构类别."""
    return [row["name"] for row in _rows("institution_types.csv")]
