"""Bulk-import benchmark (run by hand, not by the tests).

Builds a national-system export of 10,000 applications with 50,000 products (two sheets of
one .xlsx), then times the import's preview and its write as the district officer of 黄浦区
(scope applied to every row) and prints the time and peak memory next to the targets
(≤ 20 s, ≤ 300 MB).

    nice -n 19 python bench/bench_imports.py                  # SQLite in a temporary folder
    nice -n 19 python bench/bench_imports.py --database-url postgresql://postgres@127.0.0.1:5432/ccc_bench
    nice -n 19 python bench/bench_imports.py --applications 2000   # a quick look
    nice -n 19 python bench/bench_imports.py --applications 2000 --tracemalloc  # where it goes

A PostgreSQL URL must name an existing, empty database (it is filled, not dropped).

How memory is measured: each step (preview, then write) runs in a FRESH Python process
(this script re-run with ``--step``), so the setup (demo users, enterprises, building the
file) does not count. That process starts the console (``create_app``), signs in the
officer and reads the upload from disk; its resident set at that point is printed as the
*baseline*. *Peak* is the process's whole-process peak resident set (``ru_maxrss``,
baseline included) — the figure the ≤ 300 MB target is held against; *import* is peak
minus baseline, what the import itself added. ``--tracemalloc`` also prints the Python
allocations alive at the import's high-water mark, by line (it slows the step down, so its
times are not the benchmark's).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_SECONDS = 20.0
TARGET_MB = 300.0


def rss_mb() -> float:
    """Current resident set size (from /proc), in MB."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def peak_mb() -> float:
    """This process's peak resident set since it started (Linux: ru_maxrss in KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_file(applications: int, products_each: int, usccs: list[str]) -> bytes:
    import io

    import openpyxl

    from app.services.imports.applications import APPLICATION_SHEET, PRODUCT_SHEET

    book = openpyxl.Workbook(write_only=True)
    apps = book.create_sheet(APPLICATION_SHEET.title)
    apps.append([c.header for c in APPLICATION_SHEET.columns])
    products = book.create_sheet(PRODUCT_SHEET.title)
    products.append([c.header for c in PRODUCT_SHEET.columns])
    for n in range(applications):
        number = f"B310101{n:08d}"
        apps.append([number, usccs[n % len(usccs)], "直接为最终用户维修目的所需的零部件/产品", "",
                     "最终用户", "上海市黄浦区", "注册地址", "上海市黄浦区", "黄浦区", f"MSKU{n:07d}",
                     "", "", "维修所需备件，仅用于本单位设备维修。", "2026-03-16 09:30:00", "已提交"])
        for i in range(products_each):
            products.append([number, "8471500000", f"服务器电源{i}", "0901", f"PSU-{n}-{i}",
                             "ACME", "ACME Corp.", 5, "台", "", "100.00", "美元"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _app(url: str, workdir: Path):
    os.environ.setdefault("CCC_INSTANCE_DIR", str(workdir))
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16),
                       "WTF_CSRF_ENABLED": False, "UPLOAD_FOLDER": str(workdir / "uploads")})


def setup(url: str, workdir: Path, applications: int, products_each: int) -> Path:
    """The database (bureaus, users, 200 enterprises of 黄浦区) and the file, on disk."""
    import random

    from app.enums import EconomicNature
    from app.extensions import db
    from app.models import Enterprise
    from seeds import fake
    from seeds.demo import create_demo_users, load_bureaus
    from seeds.reference import sync_reference_data

    app = _app(url, workdir)
    with app.app_context():
        bureaus = load_bureaus()
        sync_reference_data()
        db.session.commit()
        create_demo_users(app.appbuilder.sm, bureaus)
        rng = random.Random(7)
        huangpu = bureaus["310101"]
        usccs = []
        for n in range(200):
            code = fake.make_uscc("310101", rng)
            usccs.append(code)
            db.session.add(Enterprise(
                name=f"上海基准{n:04d}科技有限公司", uscc=code, registered_address="上海市黄浦区",
                business_address="上海市黄浦区", bureau=huangpu,
                economic_nature=EconomicNature.private, legal_representative="张伟"))
        db.session.commit()
    start = time.perf_counter()
    data = build_file(applications, products_each, usccs)
    path = workdir / "national_export.xlsx"
    path.write_bytes(data)
    print(f"file: {applications} applications, {applications * products_each} products, "
          f"{len(data) / 1e6:.1f} MB (built in {time.perf_counter() - start:.1f} s)")
    return path


def run_step(step: str, url: str, workdir: Path, path: Path, trace: bool) -> dict:
    """One step in this (fresh) process; the figures as a dict."""
    import io

    from app.commands.imports import preview_import, run_import
    from app.scope import acting_as
    from app.services.imports.registry import KINDS

    app = _app(url, workdir)
    run = preview_import if step == "preview" else run_import
    with app.app_context():
        officer = app.appbuilder.sm.find_user(username="huangpu")
        data = path.read_bytes()
        with app.test_request_context("/"), acting_as(officer):
            baseline = rss_mb()
            if trace:
                import tracemalloc

                tracemalloc.start(5)
                _trace_at_peak()
            start, cpu = time.perf_counter(), time.process_time()
            plan = run(KINDS["application"](), io.BytesIO(data), path.name)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            found = {"step": step, "seconds": seconds, "cpu": cpu, "peak": peak_mb(),
                     "baseline": baseline,
                     "created": plan.created, "updated": plan.updated,
                     "details": dict(plan.details)}
            if trace:
                found["trace"] = _TRACE.get("report", "")
    return found


_TRACE: dict = {}


def _trace_at_peak() -> None:
    """Snapshot the Python heap whenever it reaches a new high (checked at each flush and
    each 1,000 rows read), so the report shows what was alive at the high-water mark."""
    import tracemalloc

    from sqlalchemy import event

    from app.extensions import db
    from app.services import tables

    _TRACE["high"] = 0

    def check(*_args):
        current, _peak = tracemalloc.get_traced_memory()
        if current > _TRACE["high"] * 1.05:
            _TRACE["high"] = current
            snapshot = tracemalloc.take_snapshot().filter_traces(
                [tracemalloc.Filter(False, tracemalloc.__file__)])
            lines = [f"python heap at its high: {current / 1e6:.0f} MB; top allocations:"]
            for stat in snapshot.statistics("lineno")[:15]:
                frame = stat.traceback[0]
                lines.append(f"  {stat.size / 1e6:7.1f} MB {stat.count:8d}  "
                             f"{frame.filename.split('site-packages/')[-1]}:{frame.lineno}")
            _TRACE["report"] = "\n".join(lines)

    event.listen(db.session, "before_flush", check)
    original = tables.Row.__init__
    counter = [0]

    def counting(self, number, values):
        original(self, number, values)
        counter[0] += 1
        if counter[0] % 1000 == 0:
            check()

    tables.Row.__init__ = counting


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--products-each", type=int, default=5)
    parser.add_argument("--tracemalloc", action="store_true",
                        help="print the Python allocations alive at each step's high")
    parser.add_argument("--step", choices=("preview", "write"), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.step:  # a child: one step, its figures as JSON on the last line
        found = run_step(args.step, args.database_url, Path(args.workdir), Path(args.file),
                         args.tracemalloc)
        print("RESULT " + json.dumps(found, ensure_ascii=False))
        return

    workdir = Path(tempfile.mkdtemp(prefix="ccc_bench_imports_"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    print(f"database: {url.split('@')[-1]}")
    path = setup(url, workdir, args.applications, args.products_each)
    results = []
    for step in ("preview", "write"):
        command = [sys.executable, __file__, "--step", step, "--database-url", url,
                   "--workdir", str(workdir), "--file", str(path)]
        if args.tracemalloc:
            command.append("--tracemalloc")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        line = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
        if done.returncode or not line:
            print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"step {step} failed")
        results.append(json.loads(line[-1][len("RESULT "):]))

    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Application, Product

    with _app(url, workdir).app_context():
        written = db.session.scalar(select(func.count()).select_from(Application))
        products = db.session.scalar(select(func.count()).select_from(Product))
    print("each step in a fresh process; baseline = its RSS with the console started, before "
          "the import;\npeak = whole-process peak RSS (ru_maxrss, baseline included); "
          "import = peak - baseline")
    print("cpu = this process's CPU seconds for the step (the machine may be shared: "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    print(f"{'step':<8} {'seconds':>8} {'cpu':>6} {'target':>7} {'peak MB':>8} {'target':>7} "
          f"{'baseline':>9} {'import':>7}  result")
    for r in results:
        verdict = "ok" if r["seconds"] <= TARGET_SECONDS and r["peak"] <= TARGET_MB else "OVER"
        print(f"{r['step']:<8} {r['seconds']:8.1f} {r['cpu']:6.1f} {TARGET_SECONDS:7.0f} "
              f"{r['peak']:8.0f} "
              f"{TARGET_MB:7.0f} {r['baseline']:9.0f} {r['peak'] - r['baseline']:7.0f}  "
              f"created {r['created']}, updated {r['updated']}, {r['details']}  {verdict}")
        if r.get("trace"):
            print(r["trace"])
    print(f"in the database: {written} applications, {products} products")


if __name__ == "__main__":
    main()
