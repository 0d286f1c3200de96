"""What the landing page shows: counts and to-dos within the user's scope."""
from __future__ import annotations

from sqlalchemy import func, select

from app.enums import APPLICATION_IN_REVIEW, CERTIFICATE_IN_FORCE, AccountStatus, FastTrackState
from app.extensions import db
from app.models import Application, Certificate, Enterprise, FastTrackGrant, ReviewerAccount
from app.scope import bureau_scope, scope_clause


def dashboard_for(user) -> dict:
    scope = bureau_scope(user)

    def count(model, *conditions) -> int:
        stmt = select(func.count()).select_from(model).where(scope_clause(model, scope),
                                                              *conditions)
        return db.session.scalar(stmt) or 0

    return {
        "cards": [
            ("申请单位", count(Enterprise), "EnterpriseView.list"),
            ("已开通便捷通道", count(FastTrackGrant, FastTrackGrant.state == FastTrackState.active),
             "FastTrackGrantView.list"),
            ("待审核免办申请", count(Application, Application.state.in_(APPLICATION_IN_REVIEW)),
             "ApplicationView.list"),
            ("有效免办证明", count(Certificate, Certificate.state.in_(CERTIFICATE_IN_FORCE)),
             "CertificateView.list"),
            ("在用系统账号", count(ReviewerAccount, ReviewerAccount.status == AccountStatus.active),
             "ReviewerAccountView.list"),
        ],
    }
