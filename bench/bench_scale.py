"""Province-scale benchmark (issue 15; run by hand, not by the tests).

Seeds a throw-away database with 5,000 enterprises / 100,000 applications (~450,000 products),
then prints every figure of issue 15's table next to its target:

- product list, first page, as 浦东 (district scope) vs the province admin: p50/p95 and SQL;
- product list filtered by 申请编号 (prefix, the default filter) and by 单位名称 (anywhere);
- application first page: the whole request against its SQL, and where the rest goes (profile);
- list export of 免办申请 as .xlsx and .csv (every row: ~100,000), time and peak memory of the
  process doing it (a separate process, so the seeding does not count);
- the official PDF table (附件2 layout) at 1,000 and 3,000 rows, and the ratio (linear?);
- throughput of the product list as 浦东 under gunicorn with 1 and 2 workers;

then grows the data to ``--big-products`` products (default 1,000,000) and measures the same
lists again, so the cost's growth shows.

    nice -n 19 python bench/bench_scale.py                      # SQLite in a temporary folder
    nice -n 19 python bench/bench_scale.py --database-url postgresql://postgres@127.0.0.1:5432/ccc_bench
    python bench/bench_scale.py --applications 20000 --big-products 0 --repeat 10   # a quick look

A PostgreSQL URL must name an existing, empty database (it is filled, not dropped).
"""
from __future__ import annotations

import argparse
import cProfile
import http.cookiejar
import json
import os
import pstats
import re
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_lists import SqlClock, percentile  # noqa: E402

PUDONG = "310115"
ROWS: list[tuple[str, str, str, str]] = []  # (figure, measured, target, verdict)


def note(figure: str, measured: str, target: str, ok: bool | None = None) -> None:
    verdict = "" if ok is None else ("达标 met" if ok else "未达标 NOT met")
    ROWS.append((figure, measured, target, verdict))
    print(f"  {figure:<58} {measured:<40} target: {target:<34} {verdict}", flush=True)


def make_app(url: str, workdir: Path):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16),
                       "WTF_CSRF_ENABLED": False, "UPLOAD_FOLDER": str(workdir / "uploads"),
                       "RATELIMIT_ENABLED": False})


def analyze(db) -> None:
    from sqlalchemy import text

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def seed(app, enterprises: int, applications: int) -> dict:
    from app.extensions import db
    from app.services.applications import refresh_due_dates
    from seeds.demo import create_demo_users, load_bureaus
    from seeds.synthetic import generate

    with app.app_context():
        if enterprises:
            bureaus = load_bureaus()
            db.session.commit()
            create_demo_users(app.appbuilder.sm, bureaus)
        start = time.perf_counter()
        counts = generate(enterprises, applications)
        refresh_due_dates(only_open=False)
        db.session.commit()
        analyze(db)
        print(f"seeded {counts} in {time.perf_counter() - start:.1f} s", flush=True)
        return counts


def counts_now(app) -> dict:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Application, Product

    with app.app_context():
        return {"applications": db.session.scalar(select(func.count(Application.id))),
                "products": db.session.scalar(select(func.count(Product.id)))}


def login(app, username: str):
    from seeds.demo import DEMO_PASSWORD

    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"login as {username} failed"
    return client


def measure(client, url: str, repeat: int, clock: SqlClock) -> tuple[float, float, float]:
    """p50, p95 of the request and p95 of its SQL, in ms."""
    assert client.get(url).status_code == 200, url  # warm-up
    samples, sql = [], []
    for _ in range(repeat):
        before = clock.total
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        sql.append((clock.total - before) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples), percentile(samples, 95), percentile(sql, 95)


def list_figures(app, repeat: int, label: str) -> dict:
    from app.extensions import db

    with app.app_context():
        clock = SqlClock(db.engine)
        prefix = db.session.execute(db.text(
            "SELECT number FROM application WHERE bureau_id = (SELECT id FROM bureau "
            "WHERE division_code = :d) ORDER BY id DESC LIMIT 1"), {"d": PUDONG}).scalar()
        name_part = db.session.execute(db.text(
            "SELECT name FROM enterprise WHERE bureau_id = (SELECT id FROM bureau "
            "WHERE division_code = :d) ORDER BY id DESC LIMIT 1"), {"d": PUDONG}).scalar()
    # what a user types: a number less its last three digits (some tens of applications);
    # and the worst case, a prefix every number of the district shares
    typed, district_wide = prefix[:-3], prefix[:9]
    name_part = re.sub(r"\d", "", name_part)[2:6]  # a word in the middle of the name
    admin, pudong = login(app, "admin"), login(app, "pudong")
    print(f"\n[{label}] lists ({repeat} requests each, page size 20)", flush=True)
    res = {}
    # no app context around the requests: each request gets its own, as in production (an
    # outer one would keep flask-login's user in ``g`` from one client to the next, and
    # the "district" requests would run as the province admin)
    res["admin"] = measure(admin, "/productview/list/", repeat, clock)
    res["pudong"] = measure(pudong, "/productview/list/", repeat, clock)
    res["prefix"] = measure(pudong, f"/productview/list/?_flt_0_application={typed}",
                            repeat, clock)
    res["prefix_admin"] = measure(admin, f"/productview/list/?_flt_0_application={typed}",
                                  repeat, clock)
    res["prefix_wide"] = measure(
        pudong, f"/productview/list/?_flt_0_application={district_wide}", repeat, clock)
    res["name"] = measure(admin, "/applicationview/list/?_flt_0_enterprise="
                          + urllib.parse.quote(name_part), repeat, clock)
    res["app"] = measure(admin, "/applicationview/list/", repeat, clock)
    res["app_sorted"] = measure(pudong, "/applicationview/list/?_oc_ApplicationView="
                                "deadline_status&_od_ApplicationView=asc", repeat, clock)
    res["app_sorted_desc"] = measure(pudong, "/applicationview/list/?_oc_ApplicationView="
                                     "deadline_status&_od_ApplicationView=desc", repeat,
                                     clock)
    res["app_sorted_admin"] = measure(admin, "/applicationview/list/?_oc_ApplicationView="
                                      "deadline_status&_od_ApplicationView=asc", repeat, clock)
    a, p = res["admin"], res["pudong"]
    note(f"[{label}] product list p1 as 浦东 (district)",
         f"p50 {p[0]:.0f} ms, p95 {p[1]:.0f} ms, SQL p95 {p[2]:.0f} ms", "p95 <= 100 ms",
         p[1] <= 100)
    note(f"[{label}] product list p1 as province admin", f"p50 {a[0]:.0f} ms, p95 {a[1]:.0f} ms",
         "(reference)")
    note(f"[{label}] district / province p95", f"{p[1] / a[1]:.2f}x", "<= 1.5x",
         p[1] / a[1] <= 1.5)
    for key, what, text in (("prefix", "as 浦东", typed), ("prefix_admin", "as admin", typed),
                            ("prefix_wide", "as 浦东 (whole district)", district_wide)):
        f = res[key]
        note(f"[{label}] product list, 申请编号 {text!r} {what}",
             f"p95 {f[1]:.0f} ms, SQL p95 {f[2]:.0f} ms", "p95 <= 100 ms", f[1] <= 100)
    f = res["name"]
    note(f"[{label}] application list, 单位名称 contains {name_part!r}",
         f"p95 {f[1]:.0f} ms, SQL p95 {f[2]:.0f} ms", "p95 <= 100 ms", f[1] <= 100)
    f = res["app_sorted"]
    note(f"[{label}] application list as 浦东 sorted by 审核时限",
         f"p95 {f[1]:.0f} ms, SQL p95 {f[2]:.0f} ms", "p95 <= 100 ms", f[1] <= 100)
    f = res["app_sorted_desc"]
    note(f"[{label}] application list as 浦东 sorted by 审核时限 (descending)",
         f"p95 {f[1]:.0f} ms, SQL p95 {f[2]:.0f} ms", "p95 <= 100 ms", f[1] <= 100)
    f = res["app_sorted_admin"]
    note(f"[{label}] application list as province admin sorted by 审核时限",
         f"p95 {f[1]:.0f} ms, SQL p95 {f[2]:.0f} ms", "(reference)")
    f = res["app"]
    note(f"[{label}] application p1: request vs its SQL",
         f"p50 {f[0]:.0f} ms vs SQL p95 {f[2]:.0f} ms", "profile: see below")
    return res


def profile_request(app) -> None:
    """Where the application first page spends what its SQL does not."""
    client = login(app, "admin")
    client.get("/applicationview/list/")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        client.get("/applicationview/list/")
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt / 10 * 1000
    groups = {"SQL (driver + SQLAlchemy execute)": ("execute", "sqlalchemy/engine"),
              "template rendering (Jinja2)": ("jinja2",),
              "ORM row loading": ("sqlalchemy/orm/loading",),
              "derived columns (审核时限 etc.)": ("app/services/applications.py",),
              "FAB widgets / filters": ("flask_appbuilder",)}
    print(f"\n  profile of the application first page (mean {total:.1f} ms under the profiler):")
    for name, needles in groups.items():
        cum = 0.0
        for (filename, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
            if any(n in filename or n == func for n in needles):
                cum = max(cum, ct)
        print(f"    {name:<40} up to {cum / 10 * 1000:6.1f} ms (cumulative, overlapping)")


EXPORT_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from app import create_app
from seeds.demo import DEMO_PASSWORD
app = create_app({{"SQLALCHEMY_DATABASE_URI": {url!r}, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False,
                  "RATELIMIT_ENABLED": False, "AUTO_MIGRATE": False, "FAB_UPDATE_PERMS": False}})
client = app.test_client()
client.post("/login/", data={{"username": "admin", "password": DEMO_PASSWORD}})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
response = client.get("/applicationview/export/?format={fmt}", buffered=False)
size = lines = 0
for chunk in response.response:
    size += len(chunk)
    lines += chunk.count(b"\\n")
response.close()
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"status": response.status_code, "seconds": seconds, "bytes": size,
                  "lines": lines, "rss_before_mb": before, "peak_mb": peak}}))
"""


def export_figures(url: str, label: str, rows: int) -> None:
    print(f"\n[{label}] list export of 免办申请, every row ({rows:,}), in a fresh process",
          flush=True)
    for fmt, limit in (("xlsx", 15.0), ("csv", 5.0)):
        code = EXPORT_CHILD.format(root=str(ROOT), url=url, fmt=fmt)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             cwd=ROOT, timeout=3600)
        if out.returncode != 0:
            note(f"[{label}] export .{fmt}", "FAILED: " + out.stderr[-300:], "")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        per_100k = r["seconds"] * 100_000 / max(rows, 1)
        note(f"[{label}] export .{fmt} of {rows:,} rows",
             f"{r['seconds']:.1f} s ({per_100k:.1f} s/100k), {r['bytes'] / 1e6:.1f} MB",
             f"100k rows <= {limit:.0f} s", per_100k <= limit)
        if fmt == "xlsx":
            note(f"[{label}] export .xlsx peak memory of the process",
                 f"{r['peak_mb']:.0f} MB (after start-up {r['rss_before_mb']:.0f} MB)",
                 "<= 300 MB", r["peak_mb"] <= 300)


def pdf_figures() -> None:
    from app.reports import ReportData, render_pdf
    from app.reports.official import ACCOUNT_HOLDERS_TABLE

    def data(n):
        rows = [{"bureau": "上海市浦东新区市场监督管理局", "holder": f"张{i}伟",
                 "position": "认证监管科 科员", "account": f"pd{i:05d}",
                 "functions": "初审、复审、监管", "phone": "13812345678", "remarks": ""}
                for i in range(n)]
        return ReportData(header={"bureau": "上海市市场监督管理局", "filer": "周",
                                  "department": "认证处", "filed_on": "2026-11-28"}, rows=rows)

    print("\nofficial PDF table (附件2 layout: 账号使用人信息汇总表)", flush=True)
    times = {}
    for n in (1000, 3000):
        start = time.perf_counter()
        render_pdf(ACCOUNT_HOLDERS_TABLE, data(n))
        times[n] = time.perf_counter() - start
    note("PDF 1,000 rows", f"{times[1000]:.1f} s", "(reference)")
    note("PDF 3,000 rows", f"{times[3000]:.1f} s", "<= 6 s", times[3000] <= 6)
    ratio = times[3000] / times[1000]
    note("PDF 3,000 / 1,000 rows", f"{ratio:.2f}x", "~3x (linear)", ratio <= 3.5)


def _csrf(opener, base: str) -> str:
    page = opener.open(base + "/login/", timeout=30).read().decode("utf-8")
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    return found.group(1) if found else ""


def throughput(url: str, workdir: Path, workers: int, seconds: int, clients: int) -> float:
    import signal

    from bench.load_test import free_port, wait_until_up
    from seeds.demo import DEMO_PASSWORD

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=secrets.token_hex(16),
               CCC_INSTANCE_DIR=str(workdir), CCC_AUTO_MIGRATE="0", RATELIMIT_ENABLED="0")
    log = open(workdir / f"gunicorn-{workers}.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b",
                               f"127.0.0.1:{port}", "--timeout", "120", "run:app"], cwd=ROOT,
                              env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        wait_until_up(base, server)
        done, lat, stop = [0], [], time.monotonic() + seconds
        lock = threading.Lock()

        def worker():
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            body = urllib.parse.urlencode({"username": "pudong", "password": DEMO_PASSWORD,
                                           "csrf_token": _csrf(opener, base)}).encode()
            opener.open(base + "/login/", data=body, timeout=30).read()
            opener.open(base + "/productview/list/", timeout=60).read()
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                with opener.open(base + "/productview/list/", timeout=60) as response:
                    response.read()
                with lock:
                    done[0] += 1
                    lat.append((time.perf_counter() - t0) * 1000)

        threads = [threading.Thread(target=worker) for _ in range(clients)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rate = done[0] / (time.monotonic() - start)
        note(f"gunicorn -w {workers}: product list as 浦东, {clients} clients",
             f"{rate:.1f} req/s, p95 {percentile(lat, 95):.0f} ms", "(2 workers > 1 worker)")
        return rate
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def plans(app, label: str) -> None:
    """The district first page's plan, as the README quotes it."""
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        bureau = db.session.execute(text("SELECT id FROM bureau WHERE division_code = :d"),
                                    {"d": PUDONG}).scalar()
        sqlite = db.engine.dialect.name == "sqlite"
        explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
        for sql in (f"SELECT count(*) FROM product WHERE owner_bureau_id = {bureau}",
                    f"SELECT id FROM product WHERE owner_bureau_id = {bureau} "
                    "ORDER BY id DESC LIMIT 20"):
            rows = db.session.execute(text(explain + sql)).all()
            print(f"  [{label}] plan of: {sql}")
            for row in rows:
                print("      " + str(row[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--enterprises", type=int, default=5000)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--big-products", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--throughput-seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--skip", default="", help="comma list: exports,pdf,throughput,big")
    parser.add_argument("--only-pdf", action="store_true", help="the PDF figures alone")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database as it is when it already holds data")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if args.only_pdf:
        pdf_figures()
        return

    workdir = Path(tempfile.mkdtemp(prefix="ccc_scale_"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    os.environ.setdefault("CCC_INSTANCE_DIR", str(workdir))
    app = make_app(url, workdir)
    print(f"database: {url.split('@')[-1]}", flush=True)
    if args.reuse and counts_now(app)["applications"]:
        with app.app_context():
            from app.extensions import db

            analyze(db)
    else:
        seed(app, args.enterprises, args.applications)
    label = f"{counts_now(app)['products']:,} products"
    plans(app, label)
    list_figures(app, args.repeat, label)
    profile_request(app)
    if "exports" not in skip:
        export_figures(url, label, counts_now(app)["applications"])
    if "pdf" not in skip:
        pdf_figures()
    if "throughput" not in skip:
        print("\nthroughput (gunicorn, loopback)", flush=True)
        for workers in (1, 2):
            throughput(url, workdir, workers, args.throughput_seconds, args.clients)
    if "big" not in skip and args.big_products:
        now = counts_now(app)
        per_app = now["products"] / max(now["applications"], 1)
        extra = int((args.big_products - now["products"]) / per_app) + 1
        if extra > 0:
            print(f"\ngrowing to {args.big_products:,} products (+{extra:,} applications)",
                  flush=True)
            seed(app, 0, extra)
        big = f"{counts_now(app)['products']:,} products"
        plans(app, big)
        list_figures(app, args.repeat, big)

    print("\n=== summary (figure | measured | target | verdict) ===")
    for row in ROWS:
        print(" | ".join(row))
    print(f"\nmax RSS of this process: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
