"""Stored due dates recomputed (issue 15): after the working calendar changed, or for rows
loaded without them (an upgraded database, a bulk load)."""
from __future__ import annotations

from app.commands import Command
from app.scope import SYSTEM
from app.services.applications import refresh_due_dates


class RefreshDueDates(Command):
    """``approve_due_on`` and the 审核时限 sort keys of the applications in review
    (``everything``: of all submitted ones). Run by the web app's daily check and by ``flask refresh-due-dates``."""

    user = SYSTEM

    def __init__(self, everything: bool = False):
        self.everything = everything

    def run(self) -> int:
        return refresh_due_dates(only_open=not self.everything)
