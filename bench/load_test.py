"""Load test (run by hand; bounded in time; loopback only).

Creates its own database seeded with the demo province, starts the console on 127.0.0.1,
runs 50 simulated users with Locust (``bench/locustfile.py``: district officers of 黄浦区 and
浦东新区 filing and editing, reviewers stepping applications, the province exporting and
downloading reports) for a few minutes, stops the server, and then checks the data:

- nobody changed a record they could not change (the audit trail: every version written by a
  district officer belongs to their district, before and after; the auditor wrote nothing;
  the reviewer touched no enterprise);
- no workflow step was applied twice (no application repeats a state transition);
- every count is consistent (usage never above a product's quantity; one certificate per
  application, and one for each issued application).

    python bench/load_test.py                                  # SQLite, `python run.py`, 50 users, 3 min
    python bench/load_test.py --database postgresql --workers 4   # gunicorn -w 4 on PostgreSQL
    python bench/load_test.py --users 5 --run-time 10          # a quick look

PostgreSQL: a fresh database ``--pg-database`` (dropped first if it exists) is created on
``--pg-url`` (default postgresql://postgres@127.0.0.1:5432). Exit status: 0 when there were no
failed requests and every check passed, 1 otherwise, 2 when the run could not be made.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"  # loopback only: the load never leaves this machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early with status {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/login/", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("server did not come up in time")


def prepare_database(args, work: Path) -> tuple[str, dict[str, str]]:
    env = dict(os.environ, CCC_INSTANCE_DIR=str(work), CCC_UPLOAD_DIR=str(work / "uploads"),
               SECRET_KEY=secrets.token_hex(24), CCC_PROVINCE="shanghai")
    env.pop("TEST_DATABASE_URL", None)
    if args.database == "sqlite":
        url = f"sqlite:///{work / 'ccc.db'}"
    else:
        import sqlalchemy as sa

        base = sa.engine.make_url(args.pg_url).set(drivername="postgresql+psycopg")
        admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{args.pg_database}"'))
        admin.dispose()
        url = base.set(database=args.pg_database).render_as_string(hide_password=False)
    env["DATABASE_URL"] = url
    print(f"数据库 / database: {url.split('@')[-1]}; seeding the demo province …", flush=True)
    for command in ("setup", "seed"):  # as in production: set up once, then load the demo
        subprocess.run([sys.executable, "-m", "flask", "--app", "run.py", command], cwd=ROOT,
                       env=env, check=True, stdout=subprocess.DEVNULL)
    return url, env


def start_server(args, env: dict[str, str], port: int, log) -> subprocess.Popen:
    if args.database == "sqlite":
        command = [sys.executable, "run.py"]
        env = dict(env, PORT=str(port), HOST=HOST)
    else:
        command = [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b",
                   f"{HOST}:{port}", "--timeout", "120", "run:app"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def baseline_transaction(url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(sa.text('SELECT coalesce(max(id), 0) FROM "transaction"')).scalar()
    engine.dispose()
    return int(value)


def run_locust(args, port: int, work: Path) -> Path:
    prefix = work / "locust"
    env = dict(os.environ, CCC_BENCH_TALLY=str(work / "tally.json"))
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
               "--headless", "--host", f"http://{HOST}:{port}", "-u", str(args.users),
               "-r", str(args.spawn_rate), "--run-time", f"{args.run_time}s",
               "--stop-timeout", "10", "--csv", str(prefix), "--only-summary",
               "--exit-code-on-error", "0", "--loglevel", "WARNING"]
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=args.run_time + 180,
                   stdout=subprocess.DEVNULL, stderr=open(work / "locust.log", "w"))
    return prefix


def report_requests(prefix: Path, work: Path) -> int:
    rows = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))
    failures = list(csv.DictReader(open(f"{prefix}_failures.csv", encoding="utf-8")))
    tally_path = work / "tally.json"
    tally = Counter(json.loads(tally_path.read_text())) if tally_path.exists() else Counter()
    total = next((r for r in rows if r["Name"] == "Aggregated"), None)
    print("\n=== 请求 / requests ===")
    print(f"{'kind':<34}{'count':>8}{'fail':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for row in rows:
        if row["Name"] == "Aggregated":
            continue
        print(f"{row['Name'][:33]:<34}{row['Request Count']:>8}{row['Failure Count']:>6}"
              f"{row['50%']:>9}{row['95%']:>9}{row['99%']:>9}")
    if total:
        print(f"{'TOTAL':<34}{total['Request Count']:>8}{total['Failure Count']:>6}"
              f"{total['50%']:>9}{total['95%']:>9}{total['99%']:>9}"
              f"   ({float(total['Requests/s']):.1f} req/s)")
    print("\nrefused by a rule (served, expected under concurrency):")
    for key, count in sorted(tally.items()):
        print(f"  {count:>6}  {key}")
    errors = int(total["Failure Count"]) if total else 0
    print(f"\nerrors: {errors}")
    for failure in failures:
        print(f"  {failure['Occurrences']:>6}  {failure['Method']} {failure['Name']}: "
              f"{failure['Error'][:160]}")
    return errors


# --- data checks ---------------------------------------------------------------------------

def check_data(url: str, since: int) -> list[str]:
    """Problems found in the data written after transaction ``since``."""
    import sqlalchemy as sa
    from sqlalchemy_continuum import version_class

    from app import create_app
    from app.enums import ApplicationState
    from app.extensions import db
    from app.models import Application, Certificate
    from app.scope import owning_bureau_id, scope_paths
    from app.services.audit import audited_models, transaction_model

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": False,
                      "FAB_UPDATE_PERMS": False, "SECRET_KEY": "bench-check",
                      "RATELIMIT_ENABLED": False})
    problems: list[str] = []
    with app.app_context():
        sm = app.appbuilder.sm
        users = {u.id: u for u in sm.get_all_users()}
        roles = {uid: {r.name for r in u.roles} for uid, u in users.items()}
        tx_model = transaction_model()
        transactions = {t.id: t.user_id for t in db.session.scalars(
            sa.select(tx_model).where(tx_model.id > since))}
        print(f"\n=== 数据检查 / data checks ({len(transactions)} audited transactions) ===")
        by_user = Counter(users[uid].username if uid in users else "(system)"
                          for uid in transactions.values())
        print("  transactions by user: " + ", ".join(f"{k} {v}" for k, v in by_user.items()))

        # 1. who changed what
        checked = 0
        for name, model in sorted(audited_models().items()):
            if not scope_paths(model):
                continue
            version = version_class(model)
            columns = [c.key for c in sa.inspect(model).column_attrs]
            rows = db.session.scalars(sa.select(version).where(
                version.transaction_id > since)).all()
            for row in rows:
                user = users.get(transactions.get(row.transaction_id))
                if user is None:
                    continue
                officer = "区局经办人" in roles[user.id]
                if "只读" in roles[user.id]:
                    problems.append(f"auditor {user.username} changed {name} {row.id}")
                if "省级审核员" in roles[user.id] and name == "Enterprise":
                    problems.append(f"reviewer {user.username} changed enterprise {row.id}")
                if not officer:
                    continue
                states = [row]
                previous = db.session.scalars(sa.select(version).where(
                    version.id == row.id, version.transaction_id < row.transaction_id)
                    .order_by(version.transaction_id.desc()).limit(1)).first()
                if previous is not None:
                    states.append(previous)
                for state in states:
                    transient = model(**{c: getattr(state, c) for c in columns
                                         if hasattr(state, c)})
                    bureau = owning_bureau_id(transient)
                    checked += 1
                    if bureau != user.bureau_id:
                        problems.append(
                            f"{user.username} (bureau {user.bureau_id}) wrote {name} {row.id} "
                            f"owned by bureau {bureau} (transaction {row.transaction_id})")
        print(f"  versions checked against the actor's district: {checked}")

        # 2. no step applied twice
        app_version = version_class(Application)
        history: dict[int, list] = {}
        for row in db.session.execute(sa.select(app_version.id, app_version.state,
                                                app_version.transaction_id)
                                      .order_by(app_version.id, app_version.transaction_id)):
            history.setdefault(row.id, []).append((row.state, row.transaction_id))
        repeated = 0
        for pk, states in history.items():
            if not any(tx > since for _s, tx in states):
                continue
            transitions = [(a[0], b[0]) for a, b in zip(states, states[1:]) if a[0] != b[0]]
            counts = Counter(transitions)
            for transition, count in counts.items():
                if count > 1:
                    repeated += 1
                    problems.append(f"application {pk}: transition {transition[0].name} → "
                                    f"{transition[1].name} applied {count} times")
        print(f"  applications with a repeated step: {repeated}")

        # 3. counts
        over = db.session.execute(sa.text(
            "SELECT p.id, p.quantity, sum(u.quantity) FROM product p JOIN usage_record u "
            "ON u.product_id = p.id GROUP BY p.id, p.quantity HAVING sum(u.quantity) > p.quantity"
        )).all()
        for pid, quantity, used in over:
            problems.append(f"product {pid}: usage {used} above its quantity {quantity}")
        print(f"  products used above their quantity: {len(over)}")
        several = db.session.execute(sa.select(Certificate.application_id, sa.func.count())
                                     .group_by(Certificate.application_id)
                                     .having(sa.func.count() > 1)).all()
        for app_id, count in several:
            problems.append(f"application {app_id}: {count} certificates")
        issued_without = db.session.scalars(
            sa.select(Application.id).where(Application.state == ApplicationState.issued,
                                            ~Application.certificate.has())).all()
        for app_id in issued_without:
            problems.append(f"issued application {app_id} has no certificate")
        print(f"  applications with several certificates: {len(several)}; "
              f"issued without one: {len(issued_without)}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--run-time", type=int, default=180, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (PostgreSQL)")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-database", default="ccc_loadtest")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--work", help="work folder (database, logs); kept; default: a new "
                                       "temporary folder")
    args = parser.parse_args()
    if args.work:
        work = Path(args.work)
        work.mkdir(parents=True, exist_ok=True)
        args.keep = True
    else:
        work = Path(tempfile.mkdtemp(prefix="ccc-load-"))
    server = None
    try:
        url, env = prepare_database(args, work)
        port = free_port()
        since = baseline_transaction(url)
        log = open(work / "server.log", "w")
        server = start_server(args, env, port, log)
        wait_until_up(f"http://{HOST}:{port}", server)
        kind = "python run.py (waitress)" if args.database == "sqlite" \
            else f"gunicorn -w {args.workers}"
        print(f"server: {kind} on http://{HOST}:{port}; {args.users} users for "
              f"{args.run_time} s …", flush=True)
        prefix = run_locust(args, port, work)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, SystemExit) as exc:
        print(f"load test could not run: {exc} (work folder {work})", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            stop_server(server)
    errors = report_requests(prefix, work)
    tracebacks = (work / "server.log").read_text(errors="replace").count("Traceback")
    print(f"server tracebacks logged: {tracebacks}")
    problems = check_data(url, since)
    print(f"\ndata problems: {len(problems)}")
    for problem in problems[:50]:
        print(f"  - {problem}")
    if len(problems) > 50:
        print(f"  … and {len(problems) - 50} more")
    (work / "since.txt").write_text(str(since))
    print(f"\n(work folder: {work})" if args.keep else "")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0 if errors == 0 and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
