"""Account governance use cases that are not workflow steps."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app import clock
from app.commands import Command
from app.domain.errors import RecordNotFound, RuleViolation
from app.extensions import db
from app.models import AccountChangeFiling, AccountChangeRequest
from app.scope import bureau_scope, ensure_in_scope, scope_clause
from app.services import accounts


class FileTogether(Command):
    """Put requests of one district into one 账号调整需求信息报表 (seed 003 附件1). The
    requests are locked first, so two filings made at once cannot take the same request."""

    def __init__(self, ids: list[int], user: Any = "current"):
        self.ids = list(dict.fromkeys(ids))
        self.user = user
        self.requests: list[AccountChangeRequest] = []

    def validate(self) -> None:
        scope = bureau_scope(self.user)
        query = select(AccountChangeRequest).where(
            AccountChangeRequest.id.in_(self.ids),
            scope_clause(AccountChangeRequest, scope)).order_by(AccountChangeRequest.id)
        self.requests = list(db.session.scalars(
            query.with_for_update().execution_options(populate_existing=True)))
        if len(self.requests) != len(self.ids):
            raise RecordNotFound("记录不存在，或不在您的管辖范围内。")
        refusal = accounts.filing_refusal(self.requests)
        if refusal:
            raise RuleViolation(refusal)

    def run(self) -> AccountChangeFiling:
        today = clock.today()
        filing = AccountChangeFiling(bureau_id=self.requests[0].bureau_id, filed_on=today,
                                     title=f"{clock.chinese_date(today)}账号调整需求")
        ensure_in_scope(filing, self.user)
        db.session.add(filing)
        for req in self.requests:
            req.filing = filing
        db.session.flush()
        return filing
