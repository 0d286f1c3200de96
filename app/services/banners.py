"""Console-wide banners: conditions every signed-in user should see on every page."""
from __future__ import annotations

from app.scope import current_user


def current_banners() -> list[dict]:
    if current_user() is None:
        return []
    from app.services.calendar import missing_next_year_warning

    banners = []
    warning = missing_next_year_warning()
    if warning:
        banners.append({"level": "warning", "text": warning})
    return banners
