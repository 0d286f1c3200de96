"""Backup and restore of the whole console: the database and the evidence files, in one
archive (``flask --app run.py backup`` / ``restore``).

The archive is a .tar.gz holding
- ``manifest.json``: when, which database kind and schema revision, the row count of every
  table, and the size and sha256 of every file in it;
- the database: ``database.sqlite3`` (SQLite's online backup API, consistent while the
  console runs) or ``database.pgdump`` (``pg_dump -Fc``, taken in the same snapshot as the
  row counts);
- ``uploads/``: the evidence files under ``UPLOAD_FOLDER`` (taken after the database, so
  every file the database names is there).

A restore checks every sha256 of the manifest first, refuses a database that already holds
records (or an upload folder that holds files) unless forced, and compares the row counts
with the manifest afterwards.
"""
from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
UPLOADS = "uploads"
#: Tables whose rows mean "this console is in use" (a fresh install holds only the schema,
#: reference data and roles): restoring over them needs --force.
IN_USE_TABLES = ("bureau", "ab_user")


class BackupError(Exception):
    """A backup or restore that cannot go on, said in Chinese."""


@dataclass
class RestoreReport:
    tables: dict[str, int]
    files: int


# --- helpers --------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _url() -> sa.engine.URL:
    return sa.engine.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _upload_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def _upload_files(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".part"))


def _table_names(connection) -> list[str]:
    return sorted(sa.inspect(connection).get_table_names())


def _counts(connection) -> dict[str, int]:
    return {name: connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar()
            for name in _table_names(connection)}


def _schema_revision(connection) -> str | None:
    if "alembic_version" not in _table_names(connection):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def postgres_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore``: on PATH, else the newest under /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if candidates:
        return candidates[-1]
    raise BackupError(f"找不到{name}：请安装PostgreSQL客户端工具（postgresql-client）。")


def _pg_env(url: sa.engine.URL) -> dict[str, str]:
    """libpq's environment for the URL (the password never appears on a command line)."""
    env = dict(os.environ)
    for key, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[key] = str(value)
    sslmode = url.query.get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what}失败：{result.stderr.strip()[-800:]}")


# --- backup ---------------------------------------------------------------------------------

def default_backup_name() -> str:
    from app import clock

    return f"ccc-backup-{clock.now():%Y%m%d-%H%M%S}.tar.gz"


def create_backup(output: Path) -> dict:
    """Write the archive to ``output``; returns its manifest."""
    url = _url()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ccc-backup-") as work:
        work_dir = Path(work)
        if url.get_backend_name() == "sqlite":
            database_file, tables, revision = _backup_sqlite(url, work_dir / SQLITE_FILE)
        elif url.get_backend_name() == "postgresql":
            database_file, tables, revision = _backup_postgres(url, work_dir / PG_FILE)
        else:
            raise BackupError(f"不支持备份此类数据库：{url.get_backend_name()}。")
        root = _upload_root()
        files = [{"path": p.relative_to(root).as_posix(), "size": p.stat().st_size,
                  "sha256": _sha256(p)} for p in _upload_files(root)]
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": {"kind": url.get_backend_name(), "file": database_file.name,
                         "sha256": _sha256(database_file), "schema_revision": revision,
                         "tables": tables},
            "uploads": files,
        }
        (work_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                         encoding="utf-8")
        partial = output.with_name(output.name + ".part")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work_dir / MANIFEST, arcname=MANIFEST)
            archive.add(database_file, arcname=database_file.name)
            for item in files:
                archive.add(root / item["path"], arcname=f"{UPLOADS}/{item['path']}")
        partial.replace(output)
    return manifest


def _backup_sqlite(url: sa.engine.URL, target: Path):
    source_path = url.database
    if not source_path or source_path == ":memory:":
        raise BackupError("内存数据库无法备份。")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # the online backup API: a consistent copy while others write
    finally:
        source.close()
    copy.close()
    engine = sa.create_engine(f"sqlite:///{target}")
    with engine.connect() as connection:
        tables, revision = _counts(connection), _schema_revision(connection)
    engine.dispose()
    return target, tables, revision


def _backup_postgres(url: sa.engine.URL, target: Path):
    # the row counts and pg_dump read one exported snapshot: they describe the same data
    engine = sa.create_engine(url.set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                connection.execute(sa.text("SET TRANSACTION READ ONLY"))
                snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar()
                tables, revision = _counts(connection), _schema_revision(connection)
                _run([postgres_tool("pg_dump"), "--format=custom", "--no-owner",
                      "--no-privileges", f"--snapshot={snapshot}", f"--file={target}"],
                     _pg_env(url), "pg_dump导出数据库")
    finally:
        engine.dispose()
    return target, tables, revision


# --- restore --------------------------------------------------------------------------------

def _safe_extract(archive: tarfile.TarFile, target: Path) -> None:
    for member in archive.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"备份文件含有不安全的条目：{member.name}")
    if hasattr(tarfile, "data_filter"):
        archive.extractall(target, filter="data")
    else:  # pragma: no cover - Python before 3.11.4; members were checked above
        archive.extractall(target)


def read_and_check(path: Path, work_dir: Path) -> dict:
    """Unpack the archive into ``work_dir`` and check it against its manifest."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            _safe_extract(archive, work_dir)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"无法读取备份文件{path}：{exc}") from exc
    try:
        manifest = json.loads((work_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError("备份文件中缺少或无法读取清单（manifest.json）。") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式：{manifest.get('format')}。")
    database = manifest["database"]
    database_file = work_dir / database["file"]
    if not database_file.is_file() or _sha256(database_file) != database["sha256"]:
        raise BackupError("备份中的数据库文件与清单不符（文件缺失或已损坏）。")
    for item in manifest["uploads"]:
        file = work_dir / UPLOADS / item["path"]
        if not file.is_file() or _sha256(file) != item["sha256"]:
            raise BackupError(f"备份中的证据文件与清单不符（缺失或已损坏）：{item['path']}")
    return manifest


def database_in_use() -> bool:
    with db.engine.connect() as connection:
        names = set(_table_names(connection))
        for table in IN_USE_TABLES:
            if table in names and connection.execute(
                    sa.text(f'SELECT 1 FROM "{table}" LIMIT 1')).first() is not None:
                return True
    return False


def restore_backup(path: Path, force: bool = False) -> RestoreReport:
    url = _url()
    with tempfile.TemporaryDirectory(prefix="ccc-restore-") as work:
        work_dir = Path(work)
        manifest = read_and_check(Path(path), work_dir)
        kind = manifest["database"]["kind"]
        if kind != url.get_backend_name():
            raise BackupError(f"该备份来自{kind}数据库，不能恢复到{url.get_backend_name()}数据库。")
        root = _upload_root()
        if not force:
            if database_in_use():
                raise BackupError("目标数据库中已有数据（部门或用户）：为防止覆盖，恢复已停止。"
                                  "确需覆盖请加 --force。")
            if _upload_files(root):
                raise BackupError(f"证据文件目录{root}不为空：为防止覆盖，恢复已停止。确需覆盖请加 --force。")
        db.session.remove()
        db.engine.dispose()
        database_file = work_dir / manifest["database"]["file"]
        if kind == "sqlite":
            _restore_sqlite(url, database_file)
        else:
            _restore_postgres(url, database_file)
        for item in manifest["uploads"]:
            target = root / item["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work_dir / UPLOADS / item["path"], target)
        db.engine.dispose()
        from app.schema import upgrade_schema

        upgrade_schema()  # a backup of an older release is brought to this one's schema
        with db.engine.connect() as connection:
            counts = _counts(connection)
            same_revision = _schema_revision(connection) == manifest["database"]["schema_revision"]
        expected = manifest["database"]["tables"]
        if same_revision:
            wrong = {t: (n, counts.get(t)) for t, n in expected.items() if counts.get(t) != n}
            if wrong:
                raise BackupError(f"恢复后的行数与备份清单不符：{wrong}")
        restored = [item for item in manifest["uploads"]
                    if _sha256(root / item["path"]) != item["sha256"]]
        if restored:
            raise BackupError(f"恢复后的证据文件与清单不符：{[i['path'] for i in restored]}")
    return RestoreReport(tables=expected, files=len(manifest["uploads"]))


def _restore_sqlite(url: sa.engine.URL, database_file: Path) -> None:
    target = url.database
    if not target or target == ":memory:":
        raise BackupError("不能恢复到内存数据库。")
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{database_file}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)  # page by page, under the database's own lock
    finally:
        source.close()
        destination.close()


def _restore_postgres(url: sa.engine.URL, dump: Path) -> None:
    # --clean drops what the dump holds before creating it again; one transaction: all or
    # nothing
    _run([postgres_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
          "--no-privileges", "--single-transaction", "--exit-on-error",
          f"--dbname={url.database}", str(dump)], _pg_env(url), "pg_restore恢复数据库")


def prune_backups(directory: Path, keep: int, pattern: str = "ccc-backup-*.tar.gz") -> list[Path]:
    """Delete all but the newest ``keep`` archives named like ours in ``directory``."""
    archives = sorted(Path(directory).glob(pattern), key=lambda p: p.stat().st_mtime)
    removed = archives[:-keep] if keep > 0 else []
    for path in removed:
        path.unlink()
    return removed
