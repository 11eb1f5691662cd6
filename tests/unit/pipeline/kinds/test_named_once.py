"""A kind is declared once: outside tests/, its name string appears only in its own module in pipeline/kinds/ and in
the generated docs/kinds.md. Everything else derives from the definition (KINDS), so a new file that spells a kind
out — a table keyed by kind name, a document listing kinds by hand — fails here."""
from __future__ import annotations

from pathlib import Path

from pipeline.kinds import KINDS

ROOT = Path(__file__).resolve().parents[4]
SKIPPED = {"tests", "var", "node_modules", "build", "dist"}
SUFFIXES = {".py", ".md", ".jinja2", ".html", ".js", ".css", ".ini", ".toml", ".yml", ".yaml", ".json", ".csv", ".txt", ".sh"}


def project_files() -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        parts = path.relative_to(ROOT).parts
        if any(part.startswith(".") or part in SKIPPED or part.endswith(".egg-info") for part in parts[:-1]):
            continue
        if path.is_file() and (path.suffix in SUFFIXES or path.name == "run"):
            found.append(path)
    return found


def test_every_kind_name_is_written_in_its_module_and_the_generated_reference_only():
    texts = {path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8", errors="replace") for path in project_files()}
    assert "docs/kinds.md" in texts and any(name.startswith("pipeline/kinds/") for name in texts)
    spread = {}
    for name in KINDS:
        where = sorted(path for path, text in texts.items() if name in text)
        if len(where) > 2 or "docs/kinds.md" not in where:
            spread[name] = where
    assert spread == {}
