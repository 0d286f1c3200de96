"""Console-wide banners: conditions every signed-in user should see on every page."""
from __future__ import annotations

from app.scope import current_user, role_of
from app.security_model import Role


def current_banners() -> list[dict]:
    user = current_user()
    if user is None:
        return []
    if role_of(user) is not Role.province_admin:
        # only the province's administrator can record the calendar: nobody else can act on it
        return []
    from app.services.calendar import missing_next_year_warning

    banners = []
    warning = missing_next_year_warning()
    if warning:
        banners.append({"level": "warning", "text": warning})
    return banners
