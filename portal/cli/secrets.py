"""`medreg rotate-secret`: after setting MEDREG_SECRET=new,old everywhere, move what the old secret protects to the
new one (models/rotation.py); then drop the old one from the list. With one secret, re-encrypt in SM4 what was
encrypted before medreg used SM4. docs/security.md, "Rotating the secret"."""
from __future__ import annotations

import argparse

from models.rotation import rotate
from models.settings import load_settings
from portal.cli.output import err, out


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("rotate-secret", help="轮换密钥：MEDREG_SECRET=新密钥,旧密钥 时，把旧密钥保护的数据重新加密、重算哈希；"
                                   "只有一个密钥时，把改用 SM4 之前加密的数据用 SM4 重新加密")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        report = rotate(settings)
    except ValueError as error:
        err().print(str(error))
        return 2
    done = "已用新密钥重新加密、重算哈希" if settings.old_secrets else "已用 SM4 重新加密"
    out().print(f"{done}：人员 {report.persons} 人，资格与考试记录 {report.reference_records} 条，"
                f"回调密钥 {report.webhooks} 个，动态口令密钥 {report.totp_secrets} 个，待发短信 {report.messages} 条")
    if report.unreadable:
        err().print(f"{len(report.unreadable)} 人的证件号码无法用任何已配置的密钥解密（人员编号 {report.unreadable[:20]}）")
    if report.left_under_old:
        err().print(f"注意：{report.left_under_old} 条资格或考试记录不属于任何已登记人员，无法在此重算；其中按旧密钥导入的，"
                    "请从来源重新导入，或在此之前保留旧密钥")
    return 1 if report.unreadable else 0
