"""`medreg create-user`: a commission staff account or an institution's account, enrolled in its second factor: the
TOTP secret is printed once, on a line of its own (`TOTP: <base32 secret>`), for the operator to enter in the
account holder's authenticator app (or to hand to a script), with its otpauth:// URI on the next line."""
from __future__ import annotations

import argparse
import getpass
import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, Commission, Institution
from models.audit import audit
from models.crypto import decrypt, encrypt, hash_password
from models.db import session_scope
from models.divisions import NATIONAL_CODE, national_commission
from models.settings import Settings, load_settings
from pipeline import totp
from pipeline.accounts import USERNAME
from pipeline.fields import FieldError
from pipeline.persons import password as password_rule
from portal.cli.output import CommandError, err, out


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "create-user", help="创建卫健委工作人员账号或医疗机构账号（密码取自 MEDREG_PASSWORD，或交互输入）"
    )
    parser.add_argument("--role", required=True, choices=("commission", "institution"), help="账号角色")
    parser.add_argument("--division", help="卫健委的行政区划代码（--role commission）")
    parser.add_argument("--institution", metavar="USCC", help="医疗机构的统一社会信用代码（--role institution）")
    parser.add_argument("--username", required=True, help="用户名：字母开头，3至64位字母、数字或 _ . -")
    parser.add_argument(
        "--admin", action="store_true", help="卫健委管理员：可为本级及下级创建工作人员账号（--role commission）"
    )
    parser.set_defaults(run=run)
    enrol = subparsers.add_parser(
        "enrol-totp", help="为已有的卫健委或医疗机构账号绑定（或更换，如手机遗失）动态口令，打印新密钥；原密钥立即失效"
    )
    enrol.add_argument("--username", required=True, help="账号的用户名")
    enrol.set_defaults(run=run_enrol)


def run(args: argparse.Namespace) -> int:
    try:
        check_target_given(args)
        password = read_password()
        settings = load_settings()
        with session_scope(settings.database_url) as session:
            account = create_staff_account(
                session, args.role, args.username, password, args.division, args.institution, admin=args.admin,
                settings=settings,
            )
            where = account.division_code if account.role == "commission" else args.institution.strip().upper()
            secret = decrypt(settings.secrets, account.totp_secret_encrypted or "")
    except CommandError as error:
        err().print(error.message)
        return error.exit_code
    label = "卫健委" if args.role == "commission" else "医疗机构"
    out().print(f"已创建{label}账号 {args.username}（{where}）", markup=False)
    print_secret(secret, args.username.strip())
    return 0


def print_secret(secret: str, username: str) -> None:
    console = out()
    console.print(f"TOTP: {secret}", markup=False)
    console.print(totp.provisioning_uri(secret, username), markup=False)
    console.print("登录时须同时填写认证应用显示的6位动态口令；请把上述密钥只交给账号本人。", markup=False)


def run_enrol(args: argparse.Namespace) -> int:
    """A new second factor for a staff account (one created before, or in the portal; a lost phone): the old secret,
    and any pending self-enrolment, stop working at once."""
    settings = load_settings()
    username = args.username.strip()
    with session_scope(settings.database_url) as session:
        account = session.scalar(select(Account).where(Account.username == username))
        if account is None or account.role not in ("commission", "institution"):
            err().print(f"没有用户名为 {username} 的卫健委或医疗机构账号", markup=False)
            return 1
        replaced = bool(account.totp_secret_encrypted)
        # Imported here: the portal's account services (a third of a second) are for this command alone, and every
        # `medreg` command loads this module to list its subcommands.
        from portal.services.accounts import enrol_totp

        secret = enrol_totp(settings, account)
        audit(session, f"cli:{operator()}", "totp_enrolled", f"account:{account.id}", account.division_code, replaced=replaced)
    out().print(f"已为账号 {username} {'更换' if replaced else '绑定'}动态口令", markup=False)
    print_secret(secret, username)
    return 0


def check_target_given(args: argparse.Namespace) -> None:
    if args.role == "commission" and not args.division:
        raise CommandError("卫健委账号需要 --division 行政区划代码", exit_code=2)
    if args.role == "institution" and not args.institution:
        raise CommandError("医疗机构账号需要 --institution 统一社会信用代码", exit_code=2)


def read_password() -> str:
    given = os.environ.get("MEDREG_PASSWORD")
    if given:
        return given
    try:
        first = getpass.getpass("密码：")
        again = getpass.getpass("再次输入密码：")
    except EOFError:  # no terminal and nothing on standard input (a script, </dev/null)
        raise CommandError("未能读取密码：请在终端中输入，或用环境变量 MEDREG_PASSWORD 提供") from None
    if again != first:
        raise CommandError("两次输入的密码不一致")
    return first


def create_staff_account(
    session: Session,
    role: str,
    username: str,
    password: str,
    division: str | None = None,
    uscc: str | None = None,
    admin: bool = False,
    settings: Settings | None = None,
) -> Account:
    """The new active account, or CommandError saying what is wrong. Nothing is written on refusal. With `settings`
    it is enrolled in a second factor: a new TOTP secret, encrypted under the current secret (pipeline/totp.py)."""
    username = username.strip()
    if not USERNAME.fullmatch(username):
        raise CommandError("用户名应以字母开头，由3至64位字母、数字或 _ . - 组成")
    try:
        password_rule(password)
    except FieldError as error:
        raise CommandError(f"密码不符合要求：{error}") from None
    if session.scalar(select(Account.id).where(Account.username == username)):
        raise CommandError(f"用户名 {username} 已存在")
    account = Account(username=username, role=role, status="active", password_hash=hash_password(password))
    if role == "commission":
        code = (division or "").strip()
        commission = national_commission(session) if code == NATIONAL_CODE else session.get(Commission, code)
        if commission is None:
            raise CommandError(f"行政区划 {division} 没有卫健委，请先导入行政区划")
        account.division_code = commission.division_code
        # The first administrator of a commission comes from here; later ones from the portal.
        account.admin = admin
    else:
        if admin:
            raise CommandError("--admin 只适用于卫健委账号", exit_code=2)
        institution = session.scalar(select(Institution).where(Institution.uscc == (uscc or "").strip().upper()))
        if institution is None:
            raise CommandError(f"统一社会信用代码为 {uscc} 的医疗机构不存在，请先导入医疗机构")
        account.institution_id = institution.id
        division = institution.division_code
    if settings is not None:
        account.totp_secret_encrypted = encrypt(settings.secret, totp.new_secret())
    session.add(account)
    session.flush()
    audit(
        session, f"cli:{operator()}", "create_account", f"account:{account.id}", division, role=role, username=username, admin=admin,
        totp=settings is not None,
    )
    return account


def operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
