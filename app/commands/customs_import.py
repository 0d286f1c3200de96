"""Import of customs usage records (海关调用记录) from the customs data exchange: every row is
checked, and all rows are recorded — or none, with the errors by row."""
from __future__ import annotations

import dataclasses
from typing import Any

from app import policy
from app.commands import Command
from app.models import CustomsUsage
from app.services.certificates import record_customs_usage
from app.services.customs_import import COLUMNS, RowError, RowsRefused, check_rows

__all__ = ["COLUMNS", "ImportCustomsUsage", "ImportResult", "import_rows"]


class ImportCustomsUsage(Command):
    def __init__(self, rows: list[Any], user: Any = "current"):
        self.rows = rows
        self.user = user
        self.prepared: list[CustomsUsage] = []

    def validate(self) -> None:
        if len(self.rows) > policy.MAX_IMPORT_ROWS:
            raise RowsRefused([RowError(1, "文件",
                                        f"一次最多导入{policy.MAX_IMPORT_ROWS}行，请分批导入。")])
        self.prepared = check_rows(self.rows, self.user)

    def run(self) -> int:
        for usage in self.prepared:
            record_customs_usage(usage)
        return len(self.prepared)


@dataclasses.dataclass
class ImportResult:
    created: int
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


def import_rows(rows: list[Any], user: Any = "current") -> ImportResult:
    """Check every row; record all of them, or none (the errors by row)."""
    try:
        return ImportResult(ImportCustomsUsage(rows, user).execute(), [])
    except RowsRefused as exc:
        return ImportResult(0, exc.errors)
