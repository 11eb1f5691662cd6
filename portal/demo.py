"""`medreg demo`: the embedded default — the whole system on one machine with no servers installed.

SQLite holds the data (DIR/medreg.sqlite) and kombu's SQLAlchemy transport the queues (DIR/broker.sqlite).
The demo loads a small data set, starts a reference disclosure receiver (national and Beijing channels),
real Celery workers, celery beat (the periodic work, as in a deployment) and the outbox relay as child
processes and the portal on waitress, prints the URL and the demo accounts, and runs until Ctrl-C. Starting it again on
the same directory reuses the database.
"""
from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

import models
from models import Account, Institution, Person
from models.crypto import encrypt, hash_password, lookup_hash, lookup_hashes
from models.db import must_get, session_scope
from models.logs import configure_logging, level_of
from models.settings import Channel, Settings, parse_channels
from portal.cli.database import init_database
from portal.cli.output import listen_failure
from portal.cli.users import create_staff_account
from publisher.licence_keys import DEV_KEY_FILE, dev_document
from publisher.loading import run_import

log = logging.getLogger(__name__)

DEMO_DATA = Path(models.__file__).resolve().parent / "demo_data"
PASSWORD = "Demo2026medreg"
RELAY_IDLE_SECONDS = 0.2
CHILD_STOP_SECONDS = 20


@dataclass(frozen=True)
class DemoPerson:
    name: str
    sex: str
    birth_date: str
    id_number: str
    mobile: str
    certificate_no: str


COMMISSION_USERNAME, COMMISSION_DIVISION = "chaoyang-approver", "110105"
INSTITUTION_USERNAME, INSTITUTION_USCC = "chaoyang-hospital", "12110105400001010N"
# Active from the start, with a matching qualification record: a first registration passes verification.
PERSON = DemoPerson("王建国", "男", "1985-06-12", "11010519850612131X", "13800138000", "201111110007919")
# A qualification record with no account yet: for trying sign-up and activation.
FRESH = DemoPerson("李晓梅", "女", "1992-03-04", "110108199203042423", "", "201211110015838")


@dataclass(frozen=True)
class DemoAccounts:
    commission_name: str
    institution_name: str
    institution_id: int


# --- data -----------------------------------------------------------------------------


def demo_rows(filename: str) -> list[tuple[int, dict[str, str]]]:
    with (DEMO_DATA / filename).open(encoding="utf-8", newline="") as handle:
        return list(enumerate(csv.DictReader(handle), start=2))


def load_demo_data(session: Session, settings: Settings) -> DemoAccounts:
    """Divisions, institutions, qualification records and one account per role; loading twice changes nothing."""
    for kind, filename in (
        ("divisions", "divisions.csv"),
        ("institutions", "institutions.csv"),
        ("physician-qualifications", "physician_qualifications.csv"),
    ):
        report = run_import(session.connection(), settings, kind, demo_rows(filename), actor="command:medreg demo")
        if report.errors:
            raise RuntimeError(f"演示数据 {filename} 有误：{report.errors}")
    session.expire_all()
    # No `settings` given: the demo's staff accounts get no second factor (TOTP), so the logins printed stay
    # a username and a password (docs/security.md).
    if session.scalar(select(Account.id).where(Account.username == COMMISSION_USERNAME)) is None:
        create_staff_account(session, "commission", COMMISSION_USERNAME, PASSWORD, division=COMMISSION_DIVISION, admin=True)
    if session.scalar(select(Account.id).where(Account.username == INSTITUTION_USERNAME)) is None:
        create_staff_account(session, "institution", INSTITUTION_USERNAME, PASSWORD, uscc=INSTITUTION_USCC)
    institution = session.scalars(select(Institution).where(Institution.uscc == INSTITUTION_USCC)).one()
    ensure_active_person(session, settings, PERSON, institution)
    commission = must_get(session, models.Commission, COMMISSION_DIVISION)
    return DemoAccounts(commission.name, institution.name, institution.id)


def ensure_active_person(session: Session, settings: Settings, demo: DemoPerson, institution: Institution) -> None:
    id_hash = lookup_hash(settings.secret, demo.id_number)
    if session.scalar(select(Person.id).where(Person.id_number_hash.in_(lookup_hashes(settings.secrets, demo.id_number)))) is not None:
        return
    person = Person(
        profession="physician", name=demo.name, sex=demo.sex, birth_date=date.fromisoformat(demo.birth_date),
        id_type="resident_id", id_number_encrypted=encrypt(settings.secret, demo.id_number), id_number_hash=id_hash,
        mobile=demo.mobile, institution_id=institution.id,
    )
    session.add(person)
    session.flush()
    session.add(Account(role="person", status="active", person_id=person.id, institution_id=institution.id,
                        password_hash=hash_password(PASSWORD)))
    session.flush()


# --- settings and children ------------------------------------------------------------


def demo_secret(var: Path) -> str:
    """MEDREG_SECRET, or one made on the first start and kept: look-up hashes of ID numbers depend on it."""
    if os.environ.get("MEDREG_SECRET"):
        return os.environ["MEDREG_SECRET"]
    path = var / "secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def receiver_channels(receiver_port: int) -> tuple[Channel, ...]:
    """The demo's own reference receiver, as the national and the Beijing channel."""
    return (
        Channel("national", f"http://127.0.0.1:{receiver_port}/national", "", secrets.token_hex(16), "json"),
        Channel("beijing", f"http://127.0.0.1:{receiver_port}/beijing", "11", secrets.token_hex(16), "json"),
    )


def demo_settings(var: Path, own_channels: tuple[Channel, ...]) -> Settings:
    """Files under `var`, the receiver's channels plus any other channel MEDREG_CHANNELS names."""
    own = {channel.name for channel in own_channels}
    channels = own_channels + tuple(c for c in parse_channels(os.environ.get("MEDREG_CHANNELS")) if c.name not in own)
    dev_document(var)  # the demo's own licence keyring, made once
    return Settings(
        database_url=f"sqlite:///{var}/medreg.sqlite",
        broker_url=f"sqla+sqlite:///{var}/broker.sqlite",
        secret=demo_secret(var),
        sms_backend=f"file:{var}/sms.jsonl",
        channels=channels,
        licence_keys=os.environ.get("MEDREG_LICENCE_KEYS") or f"file:{var / DEV_KEY_FILE}",
        # The demo's reference receiver listens on 127.0.0.1: the one private address its pushes may reach.
        allowed_push_networks=("127.0.0.1/32",),
    )


def child_environment(settings: Settings, var: Path) -> dict[str, str]:
    channels = [{"name": c.name, "url": c.url, "prefix": c.prefix, "secret": c.secret, "format": c.format}
                for c in settings.channels]
    return {
        **os.environ,
        "MEDREG_VAR": str(var),
        "MEDREG_DATABASE_URL": settings.database_url,
        "MEDREG_BROKER_URL": settings.broker_url,
        "MEDREG_SECRET": ",".join(settings.secrets),
        "MEDREG_LICENCE_KEYS": settings.licence_keys,
        "MEDREG_ALLOWED_PUSH_NETWORKS": ",".join(settings.allowed_push_networks),
        "MEDREG_SMS_BACKEND": settings.sms_backend,
        "MEDREG_CHANNELS": json.dumps(channels),
        # The demo runs `medreg relay` itself; one relay suits a SQLite file best.
        "MEDREG_WORKER_RELAY": "0",
    }


def declare_queues(settings: Settings, var: Path) -> None:
    """Create the broker's tables and queues once, before several processes race to create them."""
    subprocess.run([sys.executable, "-m", "workers", "declare-queues"], env=child_environment(settings, var), check=True)


def start_children(settings: Settings, var: Path) -> dict[str, subprocess.Popen]:
    """What a deployment runs (docs/operations.md): the workers on every queue, beat for the periodic work (expiry, short-term
    lapse, verification due dates, the sweeper, audit sealing …), and the outbox relay."""
    env = child_environment(settings, var)
    celery = [sys.executable, "-m", "celery", "-A", "workers"]
    commands = {
        "worker": [*celery, "worker", "-P", "solo", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                   "--without-heartbeat", "-n", f"medreg-demo-{os.getpid()}@%h"],
        "beat": [*celery, "beat", "--loglevel", "INFO", "--schedule", str(var / "celerybeat-schedule")],
        "relay": [sys.executable, "-m", "workers", "relay", "--idle-sleep", str(RELAY_IDLE_SECONDS)],
    }
    children = {}
    for name, command in commands.items():
        logfile = (var / f"{name}.log").open("ab")
        children[name] = subprocess.Popen(command, env=env, stdout=logfile, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        logfile.close()
    return children


def stop_children(children: dict[str, subprocess.Popen]) -> bool:
    """SIGTERM (Celery's warm shutdown; the relay finishes its pass), then wait; kill what will not stop."""
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    clean = True
    for name, child in children.items():
        try:
            child.wait(CHILD_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in %ss; killing it", name, CHILD_STOP_SECONDS)
            child.kill()
            child.wait()
            clean = False
    return clean


# --- the command ----------------------------------------------------------------------


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="一条命令启动内嵌演示环境（SQLite + 无服务器消息队列 + 真实工作进程 + 门户）")
    parser.add_argument("--host", default="127.0.0.1", help="门户监听地址（默认 127.0.0.1）")
    parser.add_argument("--port", type=int, default=6543, help="门户端口（默认 6543）")
    parser.add_argument("--var", type=Path, default=Path(os.environ.get("MEDREG_VAR", "var")), help="数据目录（默认 ./var）")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from waitress.server import create_server

    from portal import make_config
    from publisher.receiver import Receiver

    var = args.var.resolve()
    var.mkdir(parents=True, exist_ok=True)
    # The portal's own log lines (warnings and worse; JSON like every process's) share the terminal with the banner;
    # the children's lines go to their files under `var`.
    configure_logging(level_of(None, "WARNING"))
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())

    receiver = Receiver({}, port=0)
    own_channels = receiver_channels(receiver.port)
    receiver.secrets.update({channel.name: channel.secret for channel in own_channels})
    settings = demo_settings(var, own_channels)
    try:
        server = create_server(make_config({}, settings).make_wsgi_app(), host=args.host, port=args.port, threads=8)
    except OSError as error:
        print(listen_failure(args.host, args.port, error), file=sys.stderr)
        return 2

    print(f"正在准备数据目录 {var} …", flush=True)
    init_database(settings.database_url)
    with session_scope(settings.database_url) as session:
        accounts = load_demo_data(session, settings)
    declare_queues(settings, var)

    children: dict[str, subprocess.Popen] = {}
    with receiver:
        try:
            children = start_children(settings, var)
            portal = threading.Thread(target=server.run, name="portal", daemon=True)
            portal.start()
            print_banner(f"http://{args.host}:{server.effective_port}/", var, accounts, receiver.port)
            failed = watch(children, stop)
        finally:
            stop.set()
            server.task_dispatcher.shutdown()
            server.close()
            clean = stop_children(children)
    print("演示环境已停止", flush=True)
    return 1 if failed or not clean else 0


def watch(children: dict[str, subprocess.Popen], stop: threading.Event) -> bool:
    """Wait for Ctrl-C; True if a child died first (the demo cannot go on without it)."""
    while not stop.wait(1.0):
        for name, child in children.items():
            if child.poll() is not None:
                print(f"子进程 {name} 意外退出（退出码 {child.returncode}），详见日志 {name}.log", file=sys.stderr, flush=True)
                return True
    return False


def print_banner(url: str, var: Path, accounts: DemoAccounts, receiver_port: int) -> None:
    lines = [
        f"medreg 演示环境已启动：{url}",
        f"数据目录：{var}（日志 worker.log、beat.log、relay.log，短信 sms.jsonl）",
        "演示账号：",
        f"  卫健委审批（{accounts.commission_name}，{COMMISSION_DIVISION}）  用户名：{COMMISSION_USERNAME}  密码：{PASSWORD}",
        f"  医疗机构（{accounts.institution_name}，机构ID {accounts.institution_id}）  用户名：{INSTITUTION_USERNAME}  密码：{PASSWORD}",
        f"  医师（{PERSON.name}，已激活）  身份证号：{PERSON.id_number}  手机：{PERSON.mobile}  密码：{PASSWORD}"
        f"  医师资格证书编号：{PERSON.certificate_no}",
        f"可用于新用户注册的医师资格记录：{FRESH.name}  身份证号：{FRESH.id_number}  出生日期：{FRESH.birth_date}"
        f"  医师资格证书编号：{FRESH.certificate_no}",
        f"公示接收端：http://127.0.0.1:{receiver_port}/national（全国）  http://127.0.0.1:{receiver_port}/beijing（北京）",
        "按 Ctrl-C 停止",
    ]
    print("\n".join(lines), flush=True)
