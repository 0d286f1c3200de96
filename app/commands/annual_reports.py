"""The yearly account-holder report's use cases that are not workflow steps."""
from __future__ import annotations

from typing import Any

from app.commands import Command
from app.commands.records import SaveRecord
from app.domain.errors import AccessDenied
from app.models import AnnualAccountReport
from app.scope import current_user, role_of
from app.security_model import Role
from app.services.notices import annual_report_reminders


def create_report(bureau_id: int, year: int, filer_name: str, filer_department: str,
                  user: Any = "current") -> AnnualAccountReport:
    """A new report for one district-year, with its snapshot (a second one answers 409)."""
    report = AnnualAccountReport(bureau_id=bureau_id, year=year, filer_name=filer_name,
                                 filer_department=filer_department)
    return SaveRecord(report, creating=True, user=user).execute()



class RemindUnfiled(Command):
    """The province reminds the bureaus that have not filed ``year``'s report: a notice on
    each one's 工作台 (until it files). Answers the notices sent."""

    def __init__(self, year: int, bureau_ids: list[int] | None = None, user: Any = "current"):
        self.year, self.bureau_ids, self.user = year, bureau_ids, user

    def validate(self) -> None:
        if role_of(current_user()) is not Role.province_admin and current_user() is not None:
            raise AccessDenied("只有省级管理员可以催报。")

    def run(self) -> list:
        actor = current_user()
        name = actor.get_full_name() if actor is not None else "系统"
        return annual_report_reminders(self.year, self.bureau_ids, name)
