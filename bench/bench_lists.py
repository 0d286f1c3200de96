"""List-page benchmark (run by hand, not by the tests).

Seeds 5,000 enterprises / 100,000 applications / ~500,000 products into a throw-away database
and prints p50/p95 of repeated console requests (in-process WSGI, logged in as the provincial
admin and as a district officer) next to the raw SQL of the same first page.

    python bench/bench_lists.py                       # SQLite in a temporary folder
    python bench/bench_lists.py --database-url postgresql://postgres@127.0.0.1:5432/ccc_bench
    python bench/bench_lists.py --applications 20000  # smaller volume for a quick look

A PostgreSQL URL must name an existing, empty database (it is filled, not dropped).
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


class SqlClock:
    """Adds up the time spent executing SQL statements (cursor execute to result)."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.total = 0.0
        self.statements = 0
        # each clock its own start mark: a second clock on the same engine (bench_scale measures
        # the lists again after growing the data) must not take the first one's
        self.key = f"bench_t0_{id(self)}"
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, *args):
        conn.info[self.key] = time.perf_counter()

    def _after(self, conn, *args):
        self.total += time.perf_counter() - conn.info.pop(self.key, time.perf_counter())
        self.statements += 1


SQL_CLOCK: SqlClock | None = None


def timed(fn, repeat: int, sql_samples: list[float] | None = None) -> list[float]:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        before = SQL_CLOCK.total if SQL_CLOCK else 0.0
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
        if sql_samples is not None and SQL_CLOCK:
            sql_samples.append((SQL_CLOCK.total - before) * 1000)
    return samples


def report(name: str, samples: list[float], sql: list[float] | None = None):
    p50, p95 = statistics.median(samples), percentile(samples, 95)
    extra = ""
    if sql:
        extra = f"   (SQL p50 {statistics.median(sql):6.1f} ms, p95 {percentile(sql, 95):6.1f} ms)"
    print(f"  {name:<42} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms{extra}")
    return p50, p95, (percentile(sql, 95) if sql else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--enterprises", type=int, default=5000)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ccc_bench_"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    os.environ.setdefault("CCC_INSTANCE_DIR", str(workdir))

    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from app.security_model import Role
    from app.web import freeze_startup_heap
    from seeds.demo import DEMO_PASSWORD, DEMO_USERS, create_demo_users, load_bureaus
    from seeds.synthetic import generate

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16),
                      "WTF_CSRF_ENABLED": False, "UPLOAD_FOLDER": str(workdir / "uploads")})
    print(f"database: {url.split('@')[-1]}")
    with app.app_context():
        bureaus = load_bureaus()
        db.session.commit()
        create_demo_users(app.appbuilder.sm, bureaus)
        start = time.perf_counter()
        counts = generate(args.enterprises, args.applications)
        print(f"seeded {counts} in {time.perf_counter() - start:.1f} s")
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        freeze_startup_heap()  # as run.py does before serving
        # the show page opens the newest application each user may see (404 outside their scope)
        show_ids = {}
        for username, role, division, *_names in DEMO_USERS:
            scoped = "" if role is not Role.district_officer else (
                " WHERE bureau_id = (SELECT id FROM bureau WHERE division_code = :division)")
            show_ids[username] = db.session.execute(
                text(f"SELECT max(id) FROM application{scoped}"), {"division": division}).scalar()

    global SQL_CLOCK
    with app.app_context():
        SQL_CLOCK = SqlClock(db.engine)
    results = {}
    for username in ("admin", "pudong"):
        client = app.test_client()
        client.post("/login/", data={"username": username, "password": DEMO_PASSWORD})
        print(f"\nconsole as {username} (page size 20, {args.repeat} requests each):")

        def get(url):
            def _call():
                response = client.get(url)  # noqa: B023 - called at once, in this loop
                assert response.status_code == 200, (url, response.status_code)
            return _call

        pages = {
            "application list, first page": "/applicationview/list/",
            "application list, filtered (state=已发证)":
                "/applicationview/list/?_flt_0_state=issued",
            "application list, sorted by 提交时间 desc":
                "/applicationview/list/?_oc_ApplicationView=submitted_at&_od_ApplicationView=desc",
            "application list, deep page (page 500)": "/applicationview/list/?page_ApplicationView=500",
            "application show page": f"/applicationview/show/{show_ids[username]}",
            "product list, first page": "/productview/list/",
            "product list, filtered (申请编号 contains)":
                "/productview/list/?_flt_0_application=S310115",
            "enterprise list, first page": "/enterpriseview/list/",
        }
        for name, url in pages.items():
            sql: list[float] = []
            results[(username, name)] = report(name, timed(get(url), args.repeat, sql), sql)

    with app.app_context():
        print("\nraw SQL of the same first page (count + 20 rows with joins):")

        def raw_first_page():
            with db.engine.connect() as conn:
                conn.execute(text("SELECT count(*) FROM application")).scalar()
                conn.execute(text(
                    "SELECT a.*, e.name, b.name FROM application a "
                    "JOIN enterprise e ON e.id = a.enterprise_id "
                    "JOIN bureau b ON b.id = a.bureau_id ORDER BY a.id DESC LIMIT 20")).all()

        def raw_product_page():
            with db.engine.connect() as conn:
                conn.execute(text("SELECT count(*) FROM product")).scalar()
                conn.execute(text(
                    "SELECT p.*, a.number, c.product_name FROM product p "
                    "JOIN application a ON a.id = p.application_id "
                    "JOIN ccc_category c ON c.code = p.ccc_code "
                    "ORDER BY p.id DESC LIMIT 20")).all()

        raw = report("application first page (raw SQL)", timed(raw_first_page, args.repeat))
        raw_p = report("product first page (raw SQL)", timed(raw_product_page, args.repeat))

    first = results[("admin", "application list, first page")]
    first_p = results[("admin", "product list, first page")]
    print("\ntargets: list p95 <= 150 ms; within 3x the raw query")
    for label, res, base in (("application", first, raw), ("product", first_p, raw_p)):
        print(f"  {label} first page: request p95 {res[1]:.1f} ms = {res[1] / base[1]:.1f}x raw; "
              f"its SQL p95 {res[2]:.1f} ms = {res[2] / base[1]:.1f}x raw")
    worst = max(r[1] for r in results.values())
    print(f"  worst console p95 {worst:.1f} ms")


if __name__ == "__main__":
    main()
