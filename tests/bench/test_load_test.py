"""The load test of ``bench/`` works: a short run (5 users, 10 s, SQLite, ``python run.py``)
serves requests, prints the figures and the data checks, and those checks find problems
planted in the data afterwards."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.bench, pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="the short load run makes its own SQLite database: it runs once, in the SQLite pass")]


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("load")
    result = subprocess.run(
        [sys.executable, "bench/load_test.py", "--users", "5", "--spawn-rate", "5",
         "--run-time", "10", "--work", str(work)],
        cwd=ROOT, capture_output=True, text=True, timeout=400)
    return result, work


def test_a_short_run_serves_requests_and_reports(short_run):
    result, _work = short_run
    # 0: no failed request and no data problem; 1: found some (then reported, not hidden)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    out = result.stdout
    total = next(line for line in out.splitlines() if line.startswith("TOTAL"))
    assert int(total.split()[1]) > 20, out
    for kind in ("console: login", "api: login"):  # every simulated user starts so
        assert kind in out, out
    assert "errors:" in out and "data problems:" in out
    assert "applications with a repeated step:" in out


def test_the_data_checks_find_planted_problems(short_run):
    _result, work = short_run
    url = f"sqlite:///{work / 'ccc.db'}"
    since = int((work / "since.txt").read_text())
    sys.path.insert(0, str(ROOT))
    from bench.load_test import check_data

    before = set(check_data(url, since))  # what the run itself left (reported, not hidden)
    _plant_problems(url)
    problems = "\n".join(set(check_data(url, since)) - before)
    assert "huangpu (bureau" in problems and "wrote Enterprise" in problems
    assert "applied 2 times" in problems
    assert "above its quantity" in problems


def _plant_problems(url: str) -> None:
    import sqlalchemy as sa

    from app import create_app
    from app.enums import ApplicationState
    from app.extensions import db
    from app.models import Application, Bureau, Enterprise, Product
    from app.scope import acting_as

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": False,
                      "FAB_UPDATE_PERMS": False, "SECRET_KEY": "plant",
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        sm = app.appbuilder.sm
        huangpu, reviewer = sm.find_user(username="huangpu"), sm.find_user(username="reviewer")
        pudong_bureau = db.session.scalar(sa.select(Bureau.id).where(
            Bureau.division_code == "310115"))
        other = db.session.scalars(sa.select(Enterprise).where(
            Enterprise.bureau_id == pudong_bureau)).first()
        with acting_as(huangpu):  # a write across districts, as issue 10's race made
            other.handler = "越权修改"
            db.session.commit()
        application = db.session.scalars(sa.select(Application).where(
            Application.state == ApplicationState.accepted)).first()
        with acting_as(reviewer):  # a step applied twice
            for state in (ApplicationState.submitted, ApplicationState.accepted) * 2:
                application.state = state
                db.session.commit()
        product = db.session.scalars(sa.select(Product)).first()
        db.session.execute(sa.text(
            "INSERT INTO usage_record (product_id, kind, quantity, used_on, using_unit) "
            "VALUES (:p, 'use', :q, '2026-11-20', '植入')"), {"p": product.id,
                                                            "q": product.quantity + 1})
        db.session.commit()
