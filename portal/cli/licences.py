"""`medreg licence new-keys --file PATH` and `medreg licence rotate-key --file PATH --kid KID`: the keyring
that signs electronic licences (publisher/licence_keys.py). Point MEDREG_LICENCE_KEYS at `file:PATH`.

Rotation adds a new signing key and keeps every old one, so licences already issued still verify;
restart the portal to pick the new keyring up. `--algorithm SM2` makes an SM2 (GB/T 32918, with SM3) key
instead of Ed25519; both may sit in one keyring. Exit 0 done, 1 refused, 2 unusable file.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from portal.cli.output import err, out
from publisher.licence_keys import ALGORITHM, ALGORITHMS, KeyringError, new_keyring_document, parse_keyring, rotate


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("licence", help="电子证照签名密钥：生成、轮换")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("new-keys", help="生成新的密钥文件")
    create.add_argument("--file", required=True, type=Path)
    create.add_argument("--kid", help="密钥编号（默认按日期）")
    create.add_argument("--algorithm", choices=ALGORITHMS, default=ALGORITHM, help="签名算法（默认 Ed25519）")
    create.set_defaults(run=run_new)
    rotation = actions.add_parser("rotate-key", help="加入新的签名密钥，保留旧密钥用于核验")
    rotation.add_argument("--file", required=True, type=Path)
    rotation.add_argument("--kid", required=True, help="新密钥编号")
    rotation.add_argument("--algorithm", choices=ALGORITHMS, default=ALGORITHM, help="新密钥的签名算法（默认 Ed25519）")
    rotation.set_defaults(run=run_rotate)


def write_private(path: Path, document: dict) -> None:
    temporary = path.with_name(path.name + ".part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
    os.replace(temporary, path)


def run_new(args: argparse.Namespace) -> int:
    if args.file.exists():
        err().print(f"{args.file} 已存在；轮换请用 rotate-key")
        return 1
    document = new_keyring_document(args.kid, args.algorithm)
    write_private(args.file, document)
    out().print(f"已生成签名密钥 {document['signing']}（{args.algorithm}）：{args.file}")
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    try:
        document = json.loads(args.file.read_text(encoding="utf-8"))
        parse_keyring(document)
        rotated = rotate(document, args.kid, args.algorithm)
    except (OSError, ValueError) as error:
        err().print(f"无法轮换 {args.file}：{error}")
        return 2 if not isinstance(error, KeyringError) else 1
    write_private(args.file, rotated)
    out().print(f"新签名密钥 {args.kid}；保留用于核验的密钥：{'、'.join(e['kid'] for e in rotated['keys'][1:])}")
    return 0
