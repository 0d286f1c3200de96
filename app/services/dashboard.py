"""What the landing page shows: counts and to-dos within the user's scope."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Application,
    ApplicationState,
    Certificate,
    CertificateState,
    Enterprise,
    FastTrackGrant,
    FastTrackState,
    ReviewerAccount,
    AccountStatus,
)


def dashboard_for(user) -> dict:
    def count(stmt):
        return db.session.scalar(stmt) or 0

    return {
        "cards": [
            ("申请单位", count(select(func.count(Enterprise.id))), "EnterpriseView.list"),
            ("已开通便捷通道", count(select(func.count(FastTrackGrant.id)).where(
                FastTrackGrant.state == FastTrackState.active)), "FastTrackGrantView.list"),
            ("待审核免办申请", count(select(func.count(Application.id)).where(
                Application.state.in_([ApplicationState.submitted, ApplicationState.accepted,
                                       ApplicationState.first_reviewed,
                                       ApplicationState.second_reviewed]))),
             "ApplicationView.list"),
            ("有效免办证明", count(select(func.count(Certificate.id)).where(
                Certificate.state.in_([CertificateState.valid, CertificateState.changed,
                                       CertificateState.extended]))), "CertificateView.list"),
            ("在用系统账号", count(select(func.count(ReviewerAccount.id)).where(
                ReviewerAccount.status == AccountStatus.active)), "ReviewerAccountView.list"),
        ],
    }
