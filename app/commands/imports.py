"""Bulk imports (``app.services.imports``): check every row, then write all of them in one
write transaction — or none, with the errors by row and column. A preview runs the very
same checks in a transaction that is rolled back. Each import is recorded
(``ImportBatch``: kind, file, counts; who and when in the audit trail)."""
from __future__ import annotations

import gc
import zlib
from typing import Any

from app.commands import Command
from app.extensions import db
from app.models import ImportBatch
from app.scope import current_user, signature_of
from app.services.imports.base import ImportKind, Plan, RowError, RowsRefused, read_upload
from app.services.imports.registry import KINDS
from app.services.tables import TableError

__all__ = ["KINDS", "Plan", "RowError", "RowsRefused", "preview_import", "run_import"]


class _PreviewReady(Exception):
    def __init__(self, plan: Plan):
        super().__init__("preview")
        self.plan = plan


def _serialise(kind: str) -> None:
    """Imports of one kind run one at a time on PostgreSQL (a transaction-scoped advisory
    lock taken before the first read), so two uploads of the same file have one winner;
    SQLite's write transaction already holds the database's write lock."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": zlib.crc32(f"import:{kind}".encode())})


class RunImport(Command):
    def __init__(self, kind: ImportKind, stream, filename: str, *, dry_run: bool = False,
                 user: Any = "current"):
        self.kind = kind
        self.stream = stream
        self.filename = filename or ""
        self.dry_run = dry_run
        self.user = user
        self.plan: Plan | None = None

    def execute(self):
        """As every command, in one write transaction — with the cyclic garbage collector
        paused: tens of thousands of new records would make its passes dominate the run."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            return super().execute()
        finally:
            if enabled:
                gc.enable()

    def validate(self) -> None:
        _serialise(self.kind.name)
        try:
            sheets = read_upload(self.kind, self.stream, self.filename)
            with db.session.no_autoflush:
                self.plan = self.kind.plan(sheets)
        except TableError as exc:
            raise RowsRefused([RowError(exc.row or 1, "文件", exc.message)]) from exc
        if self.dry_run:
            raise _PreviewReady(self.plan)

    def run(self) -> Plan:
        plan = self.plan
        user = current_user() if self.user == "current" else self.user
        details = "，".join(f"{label}{count}" for label, count in plan.details.items())
        # its audit transaction (who, when, from where) is the import's
        db.session.add(ImportBatch(kind=self.kind.name, title=self.kind.title,
                                   file_name=self.filename[:255] or "（未命名）",
                                   created_count=plan.created, updated_count=plan.updated,
                                   details=details[:500] or None,
                                   imported_by=signature_of(user) if user else None,
                                   bureau_id=getattr(user, "bureau_id", None)))
        self.kind.write(plan)  # flushes the batch with the records (one audit transaction)
        db.session.flush()
        return plan


def preview_import(kind: ImportKind, stream, filename: str, user: Any = "current") -> Plan:
    """What the import would do (``RowsRefused`` if any row is wrong); nothing is written."""
    try:
        RunImport(kind, stream, filename, dry_run=True, user=user).execute()
    except _PreviewReady as ready:
        return ready.plan
    raise AssertionError("a dry run always ends in its preview")  # pragma: no cover


def run_import(kind: ImportKind, stream, filename: str, user: Any = "current") -> Plan:
    """Write every row, or none (``RowsRefused`` with the errors by row and column)."""
    stream.seek(0)
    return RunImport(kind, stream, filename, user=user).execute()
