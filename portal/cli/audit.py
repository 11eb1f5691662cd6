"""`medreg audit verify` (and `medreg audit seal`): check the audit log's hash chain; seal what is pending."""
from __future__ import annotations

import argparse

from models.audit_chain import seal_once, verify_chain
from models.db import session_scope
from models.settings import load_settings
from portal.cli.output import err, out


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("audit", help="审计日志：校验哈希链（verify），或立即封存待入链的条目（seal）")
    actions = parser.add_subparsers(dest="audit_action", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="校验审计日志的哈希链；失败时退出码为1并指出第一个被破坏的条目")
    verify.set_defaults(run=run_verify)
    seal = actions.add_parser("seal", help="把已提交、尚未入链的条目封存入链（beat 每5秒自动进行）")
    seal.set_defaults(run=run_seal)


def run_verify(args: argparse.Namespace) -> int:
    settings = load_settings()
    with session_scope(settings.database_url) as session:
        broken, sealed, unsealed = verify_chain(session, settings.secrets, settings.audit_checkpoints)
    if broken is not None:
        err().print(f"审计日志哈希链校验失败：第一个被破坏的条目为 #{broken.id}（链位置 {broken.seq}）：{broken.reason}")
        return 1
    out().print(f"审计日志哈希链完好：已入链 {sealed} 条，待入链 {unsealed} 条")
    return 0


def run_seal(args: argparse.Namespace) -> int:
    sealed = seal_once(load_settings())
    out().print(f"已封存 {sealed} 条审计日志")
    return 0
