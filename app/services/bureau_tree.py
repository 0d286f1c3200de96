"""The bureau tree (省局 → 设区市局 → 区县局): which city a bureau belongs to, and the order in
which boards and roll-ups list bureaus — grouped by city, the city bureau first, then its
counties; a municipality's districts (directly under the province) form one group.

Who may see which bureau's rows is ``app.scope.bureau_scope`` (the user's bureau and all below
it); this module only arranges bureaus already in scope."""
from __future__ import annotations

from app.enums import BureauLevel
from app.models import Bureau


def city_of(bureau: Bureau | None) -> Bureau | None:
    """The 地市级 bureau ``bureau`` belongs to (itself, for a city bureau); None for the
    province and for bureaus directly under it (the districts of 上海, 重庆)."""
    seen = set()
    node = bureau
    while node is not None and node.id not in seen:
        seen.add(node.id)
        if node.level is BureauLevel.prefecture:
            return node
        if node.level is BureauLevel.province:
            return None
        node = node.parent
    return None


def tree_key(bureau: Bureau) -> tuple[str, int, str]:
    """Sort key: by city, the city bureau before its counties, then by division code."""
    city = city_of(bureau)
    return (city.division_code if city is not None else "",
            0 if city is bureau else 1, bureau.division_code)


def in_tree_order(bureaus) -> list[Bureau]:
    return sorted(bureaus, key=tree_key)


def group_title(city: Bureau, bureau_count: int, line_count: int) -> str:
    """The heading of a city's group in a roll-up: 南京市（3个单位，账号使用人12人）."""
    return f"{city.short_name}（{bureau_count}个单位，账号使用人{line_count}人）"
