"""The yearly account-holder report's use cases that are not workflow steps."""
from __future__ import annotations

from typing import Any

from app.commands.records import SaveRecord
from app.models import AnnualAccountReport


def create_report(bureau_id: int, year: int, filer_name: str, filer_department: str,
                  user: Any = "current") -> AnnualAccountReport:
    """A new report for one district-year, with its snapshot (a second one answers 409)."""
    report = AnnualAccountReport(bureau_id=bureau_id, year=year, filer_name=filer_name,
                                 filer_department=filer_department)
    return SaveRecord(report, creating=True, user=user).execute()
