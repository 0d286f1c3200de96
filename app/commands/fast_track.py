"""Fast-track use cases that are not steps a user takes."""
from __future__ import annotations

from app.commands import Command
from app.scope import SYSTEM
from app.workflows.fast_track import expire_due_grants


class ExpireGrants(Command):
    """Active grants past their end date become 已到期 (the web app's timer, and
    ``flask expire-fasttrack`` for cron). The console's doing, not any user's."""

    user = SYSTEM

    def run(self) -> int:
        return expire_due_grants()
