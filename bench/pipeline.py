"""The pipeline benchmark: N physician first registrations end to end on the real stack, against the bare floor.

    .venv/bin/python bench/pipeline.py --n 1000

Creates its own PostgreSQL database and RabbitMQ vhost, seeds one institution, its commission and N
activated physicians, starts the portal, Celery workers, the outbox relay and a reference receiver as
processes, then (timed) submits N applications over HTTP while the institution confirms and the
commission approves them over the API, until every one is published. Then it measures the floor:
the same number of single-row commits and confirmed publishes per application, with no framework.
Prints applications/s, latency percentiles, the ratio to the floor and the CPU time per process type.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder would come first on sys.path and shadow the project's `pipeline` package.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

from sqlalchemy import create_engine, text  # noqa: E402

from bench import cpu  # noqa: E402
from bench.drive import Api, latencies, percentile, run_phase, stage_medians, wait_delivered  # noqa: E402
from bench.floor import run_floor  # noqa: E402
from bench.pyspy import Profiles, summary  # noqa: E402
from bench.seed import PASSWORD, seed  # noqa: E402
from bench.stack import (  # noqa: E402
    PG_ADMIN_URL,
    Backing,
    Processes,
    channels_json,
    free_port,
    portal_argv,
    queue_consumers,
    receiver_argv,
    relay_argv,
    wait_until,
    worker_argv,
)
from bench.tasks import TaskStats, log_offsets, task_stats  # noqa: E402
from models.crypto import issue_token  # noqa: E402
from models.settings import Settings, parse_channels  # noqa: E402

QUEUES = ("verify", "notify", "route", "issue", "publish")
ALL_QUEUES = ",".join(QUEUES)

# Worker layouts: (node name, queues, pool, concurrency) per worker process.
LAYOUTS: dict[str, list[tuple[str, str, str, int]]] = {
    "one-prefork-c2": [("all", ALL_QUEUES, "prefork", 2)],
    "two-solo": [("solo1", ALL_QUEUES, "solo", 1), ("solo2", ALL_QUEUES, "solo", 1)],
    "per-queue-solo": [(queue, queue, "solo", 1) for queue in QUEUES],
    "one-threads-c4": [("threads", ALL_QUEUES, "threads", 4)],
}
DEFAULT_LAYOUT = "one-prefork-c2"

# What one application costs unbatched (see README.md, "The floor").
PORTAL_WRITES = 3  # submit, institution confirm, commission approve
WORKER_TRANSACTIONS = 8  # verify, notify x2 (awaiting_institution, published), route, issue, publish, deliver x2 channels
STAGE_MESSAGES = 8  # one outbox row per worker transaction above


@dataclass
class Result:
    layout: str
    n: int
    throughput: float
    p50: float
    p95: float
    p99: float
    submit_seconds: float
    window_seconds: float
    delivery_tail: float
    cpu_seconds: dict[str, float]
    busy_fraction: float
    commits_per_application: float
    outbox_per_application: float
    workers: str
    portals: int
    portal_how: str
    stages: list[tuple[str, float, float]]
    profiles: list[tuple[str, list[str]]]
    tasks: dict[str, TaskStats]
    floor: float | None = None
    notes: list[str] = field(default_factory=list)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="applications in the timed run (default 1000)")
    parser.add_argument("--warmup", type=int, default=None, help="applications run through first, untimed (default N/50, 2..20)")
    parser.add_argument("--threads", type=int, default=16, help="client threads submitting, and the floor's threads (default 16)")
    parser.add_argument("--decide-threads", type=int, default=8, help="threads of the institution's and the commission's desk each")
    parser.add_argument("--layout", default=DEFAULT_LAYOUT,
                        help=f"worker layout(s), comma-separated, or 'all': {', '.join(LAYOUTS)} (default {DEFAULT_LAYOUT})")
    parser.add_argument("--portals", type=int, default=1, help="portal processes, the clients spread over them (default 1)")
    parser.add_argument("--portal", choices=("auto", "medreg", "waitress"), default="auto",
                        help="how to run the portal: `medreg serve`, waitress directly, or auto (medreg if it starts)")
    parser.add_argument("--portal-threads", type=int, default=8, help="waitress threads per portal process when run directly (default 8)")
    parser.add_argument("--floor-commits", type=int, default=PORTAL_WRITES + WORKER_TRANSACTIONS)
    parser.add_argument("--floor-publishes", type=int, default=STAGE_MESSAGES)
    parser.add_argument("--no-floor", action="store_true", help="skip the floor measurement")
    parser.add_argument("--timeout", type=float, default=None, help="seconds to wait for everything published (default 120 + N/5)")
    parser.add_argument("--profile", action="store_true",
                        help="sample every process with py-spy during the timed run and print the hottest functions (slows the run)")
    parser.add_argument("--keep", action="store_true", help="keep the database, vhost and logs (prints where)")
    parser.add_argument("--template", default=None,
                        help="copy this database (e.g. a country kept by bench/national.py --keep) instead of starting empty: "
                             "the pipeline on a full database")
    parser.add_argument("--database", default=None,
                        help="run in this database as it is (it keeps the run's accounts and applications; never dropped): "
                             "a country too big to copy")
    args = parser.parse_args(argv)
    args.layouts = list(LAYOUTS) if args.layout == "all" else args.layout.split(",")
    for name in args.layouts:
        if name not in LAYOUTS:
            parser.error(f"unknown layout {name!r}; known: {', '.join(LAYOUTS)}")
    if args.warmup is None:
        args.warmup = min(20, max(2, args.n // 50))
    if args.timeout is None:
        args.timeout = 120 + args.n / 5
    return args


def xact_commits(name: str) -> int:
    engine = create_engine(PG_ADMIN_URL)
    with engine.connect() as connection:
        value = connection.execute(text("SELECT xact_commit FROM pg_stat_database WHERE datname = :name"), {"name": name}).scalar_one()
    engine.dispose()
    return int(value)


def start_portals(processes: Processes, how: str, count: int, threads: int) -> tuple[list[int], str]:
    """Portal processes answering HTTP; with how="auto", `medreg serve` if it comes up, else waitress directly."""
    ports = [free_port() for _ in range(count)]
    for attempt in (["medreg", "waitress"] if how == "auto" else [how]):
        started = [processes.start("portal", portal_argv(attempt, port, threads), f"portal{i}-{attempt}") for i, port in enumerate(ports)]

        def answer(started: list = started) -> bool:
            if any(item.popen.poll() is not None for item in started):
                raise RuntimeError("a portal process exited")
            try:
                for port in ports:
                    Api([port]).expect(200, "GET", "/api/v1/openapi.json")
                return True
            except OSError:
                return False

        try:
            wait_until(answer, "the portal to answer", 60, processes=None)
            return ports, attempt
        except RuntimeError:
            if attempt == "waitress" or how != "auto":
                raise RuntimeError(f"the portal did not start; see {started[0].log}") from None
            say(f"`medreg serve` did not start (see {started[0].log}); running waitress directly")
            for item in started:
                processes.forget(item)
    raise AssertionError("unreachable")


def start_stack(processes: Processes, args: argparse.Namespace, layout: str, backing: Backing, receiver_port: int) -> tuple[list[int], str]:
    processes.start("receiver", receiver_argv(receiver_port), "receiver")
    for name, queues, pool, concurrency in LAYOUTS[layout]:
        processes.start(f"worker {name}", worker_argv(name, queues, pool, concurrency), f"worker-{name}")
    processes.start("relay", relay_argv(), "relay")
    ports, portal_how = start_portals(processes, args.portal, args.portals, args.portal_threads)
    expected = dict.fromkeys(QUEUES, 0)
    for _, queues, _, _ in LAYOUTS[layout]:
        for queue in queues.split(","):
            expected[queue] += 1

    def workers_consume() -> bool:
        consumers = queue_consumers(backing.name)
        return all(consumers.get(queue, 0) >= count for queue, count in expected.items())

    wait_until(workers_consume, "the workers to consume every queue", 90, processes, every=0.5)
    return ports, portal_how


def run_one(args: argparse.Namespace, layout: str, with_floor: bool) -> Result:
    backing = Backing(template=args.template, existing=args.database)
    log_dir = Path(tempfile.mkdtemp(prefix=f"medreg-bench-{backing.run_id}-"))
    receiver_port = free_port()
    settings = Settings(
        database_url=backing.database_url, broker_url=backing.broker_url, secret="bench-secret-" + uuid.uuid4().hex,
        sms_backend=f"file:{log_dir}/sms.jsonl", channels=parse_channels(channels_json(receiver_port)),
        allowed_push_networks=("127.0.0.1/32",),  # the bench's own receiver
    )
    processes = Processes({
        "MEDREG_DATABASE_URL": settings.database_url, "MEDREG_BROKER_URL": settings.broker_url,
        "MEDREG_SECRET": settings.secret, "MEDREG_SMS_BACKEND": settings.sms_backend,
        "MEDREG_CHANNELS": channels_json(receiver_port), "MEDREG_ALLOWED_PUSH_NETWORKS": "127.0.0.1/32",
        # The bench runs and measures one relay process of its own.
        "MEDREG_WORKER_RELAY": "0",
    }, log_dir)
    try:
        say(f"[{layout}] setting up database {backing.name} and vhost; seeding {args.warmup + args.n} physicians")
        backing.create()
        # In a database kept between runs, each run seeds apart from the others (its own accounts and numbers).
        seeded = seed(settings, args.warmup + args.n, run=int(time.time()) % 1000 + 1 if args.database else 0)
        ports, portal_how = start_stack(processes, args, layout, backing, receiver_port)
        api = Api(ports)
        institution_token = api.login(seeded.institution_user, PASSWORD)
        commission_token = api.login(seeded.commission_user, PASSWORD)
        first = seeded.applicants[0]
        # One applicant logs in for real; the others get the same kind of token without N argon2 checks.
        tokens = {first.account_id: api.login(first.id_number, PASSWORD)}
        tokens.update({a.account_id: issue_token(settings.secret, a.account_id) for a in seeded.applicants[1:]})
        warm, timed = seeded.applicants[: args.warmup], seeded.applicants[args.warmup :]

        def phase(applicants):
            return run_phase(api, settings.database_url, applicants, tokens, seeded.institution_id, institution_token,
                             commission_token, args.threads, args.decide_threads, args.timeout)

        say(f"[{layout}] warm-up: {len(warm)} applications")
        phase(warm)
        wait_delivered(settings.database_url, 2 * len(warm), 60)
        groups = {item.popen.pid: item.kind for item in processes.started}
        cpu_before, busy_before, commits_before = cpu.sample(groups), cpu.machine_busy(), xact_commits(backing.name)
        offsets = log_offsets([item.log for item in processes.started if item.kind.startswith("worker")])
        profiles = Profiles(log_dir / "profiles")
        if args.profile:
            profiles.start(list(processes.started))
        say(f"[{layout}] timed: {len(timed)} applications, {args.threads} client threads")
        result_phase = phase(timed)
        published_at = time.time()
        wait_delivered(settings.database_url, 2 * len(seeded.applicants), args.timeout)
        delivery_tail = time.time() - published_at
        cpu_after, busy_after = cpu.sample(groups), cpu.machine_busy()
        hot = [(name, summary(path)) for name, path in profiles.stop()]
        tasks = task_stats(offsets)
        time.sleep(1.5)  # backends report their transaction counts to pg_stat_database about once a second
        commits_after = xact_commits(backing.name)
        values, first_submit, last_publish = latencies(settings.database_url, result_phase.application_ids)
        stages = stage_medians(settings.database_url, result_phase.application_ids)
        window = last_publish - first_submit
        with create_engine(settings.database_url).connect() as connection:
            outbox_rows = connection.execute(text("SELECT count(*) FROM outbox")).scalar_one()
        processes.stop_all()
        floor = None
        if with_floor:
            say(f"[floor] {args.n} applications x ({args.floor_commits} commits + {args.floor_publishes} confirmed publishes), "
                f"{args.threads} threads")
            seconds = run_floor(settings.database_url, settings.broker_url, args.n, args.floor_commits, args.floor_publishes, args.threads)
            floor = args.n / seconds
        busy = (busy_after[0] - busy_before[0]) / max(1e-9, busy_after[1] - busy_before[1])
        workers = " + ".join(f"{pool} -c {c} -Q {'all' if q == ALL_QUEUES else q}" for _, q, pool, c in LAYOUTS[layout])
        return Result(
            layout=layout, n=len(timed), throughput=len(timed) / window, p50=percentile(values, 0.50),
            p95=percentile(values, 0.95), p99=percentile(values, 0.99), submit_seconds=result_phase.submit_seconds,
            window_seconds=window, delivery_tail=delivery_tail, cpu_seconds=cpu.difference(cpu_before, cpu_after),
            busy_fraction=busy, commits_per_application=(commits_after - commits_before) / len(timed),
            outbox_per_application=outbox_rows / len(seeded.applicants), workers=workers, portals=len(ports), portal_how=portal_how, stages=stages, profiles=hot, tasks=tasks, floor=floor,
        )
    finally:
        processes.stop_all()
        if args.keep:
            say(f"kept: database {backing.name}, vhost {backing.name}, logs {log_dir}")
        else:
            backing.drop()
            shutil.rmtree(log_dir, ignore_errors=True)


def portal_label(result: Result, args: argparse.Namespace) -> str:
    return "medreg serve (waitress, 8 threads)" if result.portal_how == "medreg" else f"waitress {args.portal_threads} threads"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def report(args: argparse.Namespace, results: list[Result]) -> None:
    floor = next((r.floor for r in results if r.floor), None)
    best = max(results, key=lambda r: r.throughput)
    print()
    print(f"medreg pipeline benchmark  N={args.n}  ({os.cpu_count()} cores)")
    for r in results:
        marker = "  <- best" if len(results) > 1 and r is best else ""
        print(f"pipeline: {r.throughput:.1f} applications/s  p50 {r.p50:.2f} s  p95 {r.p95:.2f} s  p99 {r.p99:.2f} s   "
              f"(layout {r.layout}: workers {r.workers}; portal: {r.portals} x {portal_label(r, args)}; relay: 1){marker}")
    if floor:
        print(f"floor:    {floor:.1f} applications/s  ({args.floor_commits} PostgreSQL commits + {args.floor_publishes} "
              f"confirmed publishes per application, {args.threads} threads)")
        print(f"ratio:    {100 * best.throughput / floor:.1f} % of floor   target: >= 100 applications/s and >= 50 % of floor")
    else:
        print("floor:    not measured (--no-floor)   target: >= 100 applications/s and >= 50 % of floor")
    for r in results:
        print()
        print(f"[{r.layout}] window {r.window_seconds:.1f} s (first submit to last publish); clients submitted all in "
              f"{r.submit_seconds:.1f} s; deliveries done {r.delivery_tail:.1f} s after the last publish")
        print(f"[{r.layout}] per application: {r.commits_per_application:.1f} PostgreSQL transactions committed "
              f"(measured, reads and polls included); {r.outbox_per_application:.1f} outbox rows (stage messages before batching); "
              f"unbatched estimate {PORTAL_WRITES} portal writes + {WORKER_TRANSACTIONS} worker transactions")
        print(f"[{r.layout}] time to each history step from the one before (p50 / p95 s): " + ", ".join(
            f"{label} {p50:.2f}/{p95:.2f}" for label, p50, p95 in r.stages))
        print(f"[{r.layout}] worker tasks (messages, items per message, ms per message): " + ", ".join(
            f"{name} {t.messages}, {t.items / max(1, t.messages):.1f}, {1000 * t.seconds / max(1, t.messages):.0f}"
            for name, t in sorted(r.tasks.items(), key=lambda item: -item[1].messages)))
        total = sum(r.cpu_seconds.values())
        print(f"[{r.layout}] CPU during the timed run (to the last delivery), machine {100 * r.busy_fraction:.0f} % busy:")
        for label, seconds in sorted(r.cpu_seconds.items(), key=lambda item: -item[1]):
            print(f"    {label:<22} {seconds:7.1f} s  {1000 * seconds / r.n:6.1f} ms/application  {100 * seconds / max(total, 1e-9):5.1f} %")
        for name, lines in r.profiles:
            print(f"[{r.layout}] py-spy, {name}: share of busy samples with the function on the stack")
            for line in lines:
                print(f"    {line}")
    print("(postgresql and rabbitmq are counted machine-wide; other work on the machine shows there too)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = [run_one(args, layout, with_floor=(index == 0 and not args.no_floor)) for index, layout in enumerate(args.layouts)]
    report(args, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
