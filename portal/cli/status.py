"""`medreg status`: the state of the deployment MEDREG_DATABASE_URL and MEDREG_BROKER_URL point at, in Chinese — the
database and its schema, the broker and each stage's queue (messages waiting, consumers), the outbox, applications
waiting per status, disclosure deliveries waiting or parked, and when beat last refreshed the statistics summaries.
`--json` prints the same as one JSON object. Exit code 0 when all is well, 1 when something is down (each problem is
named on its own line)."""
from __future__ import annotations

import argparse
import json
from datetime import datetime

from models.base import as_utc, utcnow
from models.operations import Snapshot
from models.outbox import STAGE_QUEUES
from models.settings import load_settings
from pipeline.fields import escaped
from pipeline.lifecycle import STATUS_LABELS
from portal.cli.output import out

# The relay moves a row within a second or so; a row this old means no relay is running (or it cannot publish).
OUTBOX_STALE_SECONDS = 300.0
DELIVERY_LABELS = {"pending": "待推送", "retrying": "重试中", "parked": "已暂停（待 medreg publish replay）"}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("status", help="查看部署状态：数据库、消息队列、各队列积压与消费者、发件箱、待办申请；异常时退出码为1")
    parser.add_argument("--json", action="store_true", help="以JSON输出")
    parser.set_defaults(run=run)


def gather() -> dict:
    """Every check, as plain data; `problems` lists what is down, in Chinese."""
    from portal.health import check_broker, check_database, queue_states, shown_url

    settings = load_settings(require=False)
    problems: list[str] = []
    warnings: list[str] = []  # worth an operator's look, but nothing is down: the exit status stays 0
    report: dict = {"database": {"url": shown_url(settings.database_url)}, "broker": {"url": shown_url(settings.broker_url)}}

    from models.db import engine_for

    engine = engine_for(settings.database_url)
    state = check_database(engine)
    report["database"].update(reachable=state.database is None, schema_at_head=state.schema is None,
                              revision=list(state.revision), problem=state.database or state.schema)
    if state.database:
        problems.append(state.database)
    elif state.schema:
        problems.append(state.schema)
    if state.database is None:
        try:
            from models.operations import snapshot

            with engine.connect() as connection:
                report.update(work(snapshot(connection), problems, warnings))
                report["unswept"] = unswept(connection, warnings)
        except Exception as error:  # an older schema may lack a table: say so, go on with the broker
            from portal.health import first_line

            problems.append(f"无法读取待办统计：{first_line(error)}")

    broker_problem = check_broker(settings.broker_url)
    report["broker"].update(reachable=broker_problem is None, problem=broker_problem)
    report["queues"] = []
    if broker_problem:
        problems.append(broker_problem)
    else:
        try:
            for queue in queue_states(settings.broker_url, STAGE_QUEUES):
                report["queues"].append({"name": queue.name, "messages": queue.messages, "consumers": queue.consumers,
                                         "problem": queue.problem})
                if queue.problem:
                    problems.append(f"队列 {queue.name}：{queue.problem}")
        except Exception as error:
            from portal.health import first_line

            problems.append(f"无法查看队列：{first_line(error)}")
    engine.dispose()
    report["healthy"] = not problems
    report["problems"] = problems
    report["warnings"] = warnings
    return report


def work(found: Snapshot, problems: list[str], warnings: list[str]) -> dict:
    age = found.outbox_oldest_seconds()
    if found.outbox_waiting and age > OUTBOX_STALE_SECONDS:
        problems.append(f"发件箱最早的一条已等待 {minutes(age)}：转发进程（medreg relay）可能没有运行")
    if found.deliveries.get("parked"):  # a receiver that kept refusing: the deployment itself is up
        warnings.append(f"{found.deliveries['parked']} 条公示推送已暂停，需处理后运行 medreg publish replay --parked")
    return {
        "outbox": {"waiting": found.outbox_waiting, "oldest_at": iso(found.outbox_oldest_at),
                   "oldest_age_seconds": round(age, 1)},
        "applications": dict(found.applications),
        "deliveries": dict(found.deliveries),
        "webhook_deliveries": dict(found.webhook_deliveries),
        "summaries": {name: iso(at) for name, at in sorted(found.summaries.items())},
    }


def unswept(connection, warnings: list[str]) -> dict:
    """Applications the sweeper should have re-offered and did not: beat is not running (or its sweep fails). A warning,
    not a problem: nothing is down that a request would meet, but nothing re-offers work a lost message left behind."""
    from models.operations import UNSWEPT_AFTER, unswept_applications

    count, oldest = unswept_applications(connection)
    if count:
        warnings.append(f"{count} 件申请停留超过 {minutes(UNSWEPT_AFTER.total_seconds())}未被重新派发（最早自 {ago(iso(oldest))}）："
                        "定时任务（celery -A workers beat）可能没有运行")
    return {"count": count, "oldest_at": iso(oldest)}


def iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment else None


def minutes(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} 秒"
    if seconds < 3600:
        return f"{seconds / 60:.0f} 分钟"
    return f"{seconds / 3600:.1f} 小时"


def ago(text: str | None) -> str:
    if not text:
        return "从未"
    at = datetime.fromisoformat(text)
    return f"{at.astimezone().strftime('%Y-%m-%d %H:%M:%S')}（{minutes((utcnow() - at).total_seconds())}前）"


def ok(good: bool) -> str:
    return "[green]正常[/green]" if good else "[red]异常[/red]"


def show(report: dict) -> None:
    from rich.markup import escape

    def e(value: str) -> str:  # a value inside this command's own markup: neither markup nor control characters
        return escape(escaped(value))

    console = out(markup=True)
    database = report["database"]
    console.print("[bold]medreg 部署状态[/bold]")
    if database.get("problem"):
        console.print(f"数据库　　{ok(False)}　{e(database['url'])}：{e(database['problem'])}")
    else:
        console.print(f"数据库　　{ok(True)}　{e(database['url'])}（结构版本 {'、'.join(database['revision'])}，已是最新）")
    broker = report["broker"]
    reason = f"：{e(broker['problem'])}" if broker.get("problem") else ""
    console.print(f"消息队列　{ok(broker['reachable'])}　{e(broker['url'])}{reason}")
    if report["queues"]:
        console.print("队列：")
        for queue in report["queues"]:
            if queue["messages"] is None:
                console.print(f"  {queue['name']:<8} {ok(False)}　{e(queue['problem'])}")
            else:
                mark = "" if not queue["problem"] else f"　[red]{e(queue['problem'])}[/red]"
                consumers = "  —" if queue["consumers"] is None else f"{queue['consumers']:>3}"
                console.print(f"  {queue['name']:<8} 待处理消息 {queue['messages']:>6}　消费者 {consumers}{mark}")
    if "outbox" in report:
        outbox = report["outbox"]
        oldest = f"，最早一条已等待 {minutes(outbox['oldest_age_seconds'])}" if outbox["waiting"] else ""
        console.print(f"发件箱：待发送 {outbox['waiting']} 条{oldest}")
        waiting = "　".join(f"{STATUS_LABELS.get(status, status)} {count}" for status, count in report["applications"].items())
        console.print(f"待办申请：{waiting}")
        deliveries = "　".join(f"{DELIVERY_LABELS[status]} {count}" for status, count in report["deliveries"].items())
        console.print(f"公示推送：{deliveries}")
        webhooks = "　".join(f"{DELIVERY_LABELS[status]} {count}" for status, count in report["webhook_deliveries"].items())
        console.print(f"机构预警推送：{webhooks}")
        if report["summaries"]:
            console.print("统计汇总最近刷新（beat）：")
            for name, at in report["summaries"].items():
                console.print(f"  {name:<12} {ago(at)}")
        else:
            console.print("统计汇总最近刷新（beat）：尚未刷新")
    for warning in report["warnings"]:
        console.print(f"  [yellow]![/yellow] {e(warning)}")
    if report["problems"]:
        console.print(f"总体：{ok(False)}")
        for problem in report["problems"]:
            console.print(f"  [red]✗[/red] {e(problem)}")
    else:
        console.print(f"总体：{ok(True)}")


def run(args: argparse.Namespace) -> int:
    report = gather()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        show(report)
    return 0 if report["healthy"] else 1
