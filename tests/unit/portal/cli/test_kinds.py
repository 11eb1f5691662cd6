"""docs/kinds.md is what `medreg kinds` prints: the reference of every kind, generated from pipeline/kinds/."""
from __future__ import annotations

from pathlib import Path

from pipeline.fields import field_specs
from pipeline.kinds import KINDS
from portal.cli.kinds import reference

DOC = Path(__file__).resolve().parents[4] / "docs" / "kinds.md"


def test_docs_kinds_md_is_the_generated_reference():
    assert DOC.read_text(encoding="utf-8") == reference(), "run `medreg kinds > docs/kinds.md`"


def test_the_reference_names_every_kind_and_every_field():
    text = reference()
    for name, kind in KINDS.items():
        section = text.split(f"## {kind.label} `{name}`", 1)[1].split("\n## ", 1)[0]
        for spec in field_specs(kind.data):
            assert f"`{spec.name}` {spec.title}（{'必填' if spec.required else '选填'}）" in section, (name, spec.name)
