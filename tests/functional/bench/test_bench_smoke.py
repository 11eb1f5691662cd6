"""The pipeline benchmark runs end to end on the real stack and prints its figures (no timing is asserted)."""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_pipeline_benchmark_prints_its_figures_and_leaves_nothing_behind():
    before = set(Path(tempfile.gettempdir()).glob("medreg-bench-*"))
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "pipeline.py"), "--n", "20", "--threads", "4", "--decide-threads", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert set(Path(tempfile.gettempdir()).glob("medreg-bench-*")) <= before  # its logs go with its database
    assert re.search(r"^medreg pipeline benchmark  N=20 ", run.stdout, re.M)
    assert re.search(r"^pipeline: [\d.]+ applications/s  p50 [\d.]+ s  p95 [\d.]+ s  p99 [\d.]+ s", run.stdout, re.M)
    assert re.search(r"^floor:    [\d.]+ applications/s", run.stdout, re.M)
    assert re.search(r"^ratio:    [\d.]+ % of floor", run.stdout, re.M)


def test_stage_benchmark_counts_statements_per_application():
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "stages.py"), "--n", "5"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    for stage in ("verify", "issue", "publish"):
        assert re.search(rf"^{stage} +5 applications +[\d.]+ statements +[\d.]+ ms CPU per application", run.stdout, re.M)


def test_national_benchmark_prints_every_figure_beside_its_goal_and_drops_its_database():
    """A 0.1 % country through every step (generate, imports with two channels, applications, reads, paging,
    statistics, export, and the deliveries the imports left, drained by the deployment's processes)."""
    from sqlalchemy import create_engine, pool, text

    from pipeline.imports import ORDER
    from tests.conftest import PG_ADMIN_URL

    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "national.py"), "--scale", "0.001", "--requests", "300", "--clients", "4",
         "--applications", "3000", "--channels"], cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:] + run.stdout[-3000:]
    database = re.search(r"database (medreg_national_\w+)", run.stdout).group(1)
    figures = run.stdout.split("\nfigure ", 1)[1]
    for kind in ORDER:
        assert re.search(rf"^import {kind} rows/s +[\d,]+ +>= 50,000$", figures, re.M), kind
        assert re.search(rf"^import {kind} peak memory +\d+ MB", figures, re.M), kind
    assert re.search(r"^record by identifier, requests/s +[\d,]+ +>= 1,000$", figures, re.M)
    assert re.search(r"^name \+ province search p95 +[\d.]+ ms +< 50 ms$", figures, re.M)
    for listed in ("public physicians, no name", "public physicians named", "feed", "commission search, persons",
                   "workbench, every status", "audit log, national"):
        assert re.search(rf"^page of {re.escape(listed)}.*: first / 90 % deep +[\d.]+ / [\d.]+ ms +< 50 ms at any depth$",
                         figures, re.M), listed
    assert re.search(r"^statistics: registers from the summary, national +[\d.]+ s +< 2 s$", figures, re.M)
    assert re.search(r"^bulk export records/s, every core +[\d,]+ +>= 50,000$", figures, re.M)
    assert re.search(r"^delivery backlog of the imports \([\d,]+ pushes, 2 workers\) +[\d,]+/s", figures, re.M)
    assert re.search(r"^a registration's delivery during it, median / most +[\d.]+ / [\d.]+ s +as on an idle system$", figures, re.M)
    admin = create_engine(PG_ADMIN_URL, poolclass=pool.NullPool)
    with admin.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM pg_database WHERE datname = :name"), {"name": database}).scalar() == 0
    admin.dispose()
