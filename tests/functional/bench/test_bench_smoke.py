"""The pipeline benchmark runs end to end on the real stack and prints its figures (no timing is asserted)."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_pipeline_benchmark_prints_its_figures():
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "pipeline.py"), "--n", "20", "--threads", "4", "--decide-threads", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
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
