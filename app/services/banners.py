"""Console-wide banners: conditions every signed-in user should see on every page."""
from __future__ import annotations


def current_banners() -> list[dict]:
    return []
