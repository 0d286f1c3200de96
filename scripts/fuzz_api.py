"""Bounded fuzz run of the REST API against its own OpenAPI spec (schemathesis), as CI runs it.

Starts the console on 127.0.0.1 (a fresh SQLite instance, or the PostgreSQL database given by
``--database-url``, set up and seeded with the demo province), logs in as the provincial admin
and as a district officer, and fuzzes every operation of ``/api/v1/_openapi`` for a bounded
time with the checks: no server error, documented status codes, responses that match their
schema, declared content types. Exits non-zero on any failure.

    python scripts/fuzz_api.py [--database-url postgresql://...] [--seconds 90]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ("not_a_server_error,status_code_conformance,response_schema_conformance,"
          "content_type_conformance")
PASSWORD = "Demo@2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: int = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"the console never answered at {url}")


def token(base: str, username: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/security/login", method="POST",
        data=json.dumps({"username": username, "password": PASSWORD,
                         "provider": "db"}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["access_token"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seconds", type=int, default=90, help="fuzzing time per user")
    parser.add_argument("--users", default="admin,huangpu")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ccc-fuzz-"))
    env = dict(os.environ, CCC_INSTANCE_DIR=str(work), SECRET_KEY="fuzz", PORT=str(free_port()),
               HOST="127.0.0.1")
    env.pop("TEST_DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
        for command in ("setup", "seed"):
            subprocess.run([sys.executable, "-m", "flask", "--app", "run.py", command],
                           cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    else:
        env.pop("DATABASE_URL", None)
    base = f"http://127.0.0.1:{env['PORT']}"
    log = open(work / "server.log", "w")
    server = subprocess.Popen([sys.executable, "run.py"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    failed = False
    try:
        wait_for(f"{base}/login/")
        for username in args.users.split(","):
            print(f"=== fuzzing /api/v1 as {username} for {args.seconds} s", flush=True)
            result = subprocess.run([
                "schemathesis", "run", f"{base}/api/v1/_openapi",
                "-H", f"Authorization: Bearer {token(base, username)}",
                "--checks", CHECKS, "--phases", "examples,fuzzing", "--workers", "2",
                "--max-examples", "10", "--max-time", str(args.seconds),
                "--seed", "20261128"], cwd=work)
            failed = failed or result.returncode != 0
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        if failed:
            print((work / "server.log").read_text()[-4000:])
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
