"""Filing several account change requests of one district as one 账号调整需求信息报表."""
from __future__ import annotations

from app import clock
from app.domain.errors import RuleViolation
from app.extensions import db
from app.models import AccountChangeFiling, AccountChangeRequest, AccountChangeState
from app.scope import ensure_in_scope


def file_together(requests: list[AccountChangeRequest], user) -> AccountChangeFiling:
    """One filing for requests of the same bureau that are not in a filing yet."""
    if not requests:
        raise RuleViolation("请先勾选要合并的调整需求。")
    bureaus = {r.bureau_id for r in requests}
    if len(bureaus) != 1:
        raise RuleViolation("只能合并同一单位的调整需求。")
    already = [r for r in requests if r.filing_id is not None]
    if already:
        raise RuleViolation("以下需求已在其他报表中：" + "、".join(r.holder_name for r in already))
    closed = [r for r in requests if r.state is AccountChangeState.effective]
    if closed:
        raise RuleViolation("已生效的需求不能再编入报表：" + "、".join(r.holder_name for r in closed))
    filing = AccountChangeFiling(bureau_id=bureaus.pop(), filed_on=clock.today(),
                                 title=f"{clock.chinese_date(clock.today())}账号调整需求")
    ensure_in_scope(filing)
    db.session.add(filing)
    for req in requests:
        req.filing = filing
    db.session.commit()
    return filing
