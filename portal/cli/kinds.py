"""`medreg kinds`: the reference of every kind of application, in Markdown, generated from pipeline/kinds/.

docs/kinds.md is its output; tests/unit/portal/cli/test_kinds.py fails when the two differ, so the
reference can never drift from the kinds the system runs.
"""
from __future__ import annotations

import argparse
import sys

from pipeline.fields import FieldSpec, field_specs
from pipeline.kinds import KINDS, PARTIES, PROFESSIONS, Kind

HEADER = """# 业务类型参考（kinds）

本页由 `medreg kinds > docs/kinds.md` 从 `pipeline/kinds/` 生成，勿手工修改。每种业务的 `data` 结构
（JSON 接口 `POST /api/v1/applications` 与窗口业务 `POST /api/v1/commission/counter` 所收）也在
`/api/v1/openapi.json` 的 `Data.<kind>` 中，可在 `/api/v1/docs` 浏览。申请材料为 PDF、JPEG 或 PNG（按文件内容识别），
缺少必需材料不阻止网上提交，审核页面列为“缺少材料”。
"""


def party(kind: Kind) -> str:
    return "、".join(PARTIES[name] for name in sorted(kind.applicants, key=list(PARTIES).index))


def steps(kind: Kind) -> str:
    if kind.counter:
        return "窗口录入即批准"
    shown = ["核验"]
    if kind.institution_confirms:
        shown.append("机构确认" + ("（机构代为提交时免）" if "institution" in kind.applicants else ""))
    if kind.commission_approves:
        shown.append("卫生健康委审批")
    return " → ".join(shown)


def field_line(spec: FieldSpec) -> str:
    need = "必填" if spec.required else "选填"
    values = "；可选值：" + "、".join(label if label == value else f"`{value}` {label}" for value, label in spec.widget.options) \
        if spec.widget.options else ""
    hint = f"。{spec.description}" if spec.description else ""
    return f"  - `{spec.name}` {spec.title}（{need}）{values}{hint}"


def section(kind: Kind) -> str:
    limit = f"{kind.time_limit.working_days}个工作日（{kind.time_limit.basis}）" if kind.time_limit else "—"
    lines = [
        f"## {kind.label} `{kind.name}`",
        "",
        f"- 登记簿：{PROFESSIONS[kind.profession]}；提交：{party(kind)}；流程：{steps(kind)}；审批时限：{limit}",
    ]
    if kind.page.intro:
        lines.append(f"- 说明：{kind.page.intro}")
    specs = field_specs(kind.data)
    lines.append("- `data`：" + ("无需填写内容" if not specs else ""))
    lines += [field_line(spec) for spec in specs]
    lines.append("- 申请材料（`POST /api/v1/applications/{id}/attachments` 的 `material`）：" + ("无" if not kind.materials else ""))
    lines += [f"  - `{m.name}` {m.label}（{'必需' if m.required else '可选'}）" for m in kind.materials]
    return "\n".join(lines)


def reference() -> str:
    table = ["| 业务 | kind | 提交 | 流程 |", "|---|---|---|---|"]
    table += [f"| {kind.label} | `{kind.name}` | {party(kind)} | {steps(kind)} |" for kind in KINDS.values()]
    return "\n\n".join([HEADER.strip(), "\n".join(table), *(section(kind) for kind in KINDS.values())]) + "\n"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("kinds", help="输出全部业务类型及其申请内容（Markdown，即 docs/kinds.md）")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(reference())
    return 0
