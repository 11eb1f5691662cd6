"""The commission's register export as a file: how fast the CSV and the XLSX are written, how soon the first bytes
leave, and the memory the writer holds, for N rows shaped like the nurse register.

    .venv/bin/python bench/xlsx.py --rows 200000

No database: the rows come from a generator, so this measures the writers in portal/services/exports.py alone (the
rows' query is measured by bench/national.py's export step). Memory is what tracemalloc sees Python allocate.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Iterable, Iterator  # noqa: E402

from portal.services import exports  # noqa: E402
from portal.services.register_exports import HEADERS  # noqa: E402

FIRST_BYTES = 100_000
GOALS = {"first_s": 5.0, "memory_mb": 50.0}


def nurse_rows(count: int) -> Iterator[list]:
    for number in range(count):
        yield [f"张{number}", "女", f"N1101052026{number:08d}", "北京市东城区第一人民医院", "内科", "东城区", "注册",
               "2021-03-01", ""]


def measure(chunks: Iterable[bytes]) -> tuple[float, float, int, float]:
    """(seconds in all, seconds until FIRST_BYTES were out, bytes, traced peak MB) of writing `chunks`."""
    tracemalloc.start()
    started = time.perf_counter()
    first, size = 0.0, 0
    for chunk in chunks:
        size += len(chunk)
        if not first and size >= FIRST_BYTES:
            first = time.perf_counter() - started
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, first or seconds, size, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    rows = parser.parse_args().rows
    headers = HEADERS["nurses"]
    print(f"{'file':6} {'rows':>9} {'seconds':>8} {'rows/s':>9} {'first 100 kB':>13} {'MB':>7} {'peak MB':>8}")
    for name, chunks in (("csv", exports.csv_chunks(headers, nurse_rows(rows))),
                         ("xlsx", exports.xlsx_chunks("护士注册名册", headers, nurse_rows(rows)))):
        seconds, first, size, peak = measure(chunks)
        print(f"{name:6} {rows:>9,} {seconds:>8.1f} {rows / seconds:>9,.0f} {first:>11.2f} s {size / 1e6:>7.1f} {peak:>8.1f}")
    print(f"goals: first 100 kB within {GOALS['first_s']:.0f} s whatever the size; traced peak under "
          f"{GOALS['memory_mb']:.0f} MB whatever the size")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
