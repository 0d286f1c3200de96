"""The bureau tree (省局 → 设区市局 → 区县局): which city a bureau belongs to, and the order in
which boards and roll-ups list bureaus — grouped by city, the city bureau first, then its
counties; a municipality's districts (directly under the province) form one group.

Who may see which bureau's rows is ``app.scope.bureau_scope`` (the user's bureau and all below
it); this module only arranges bureaus already in scope."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from app.enums import BureauLevel
from app.models import Bureau

T = TypeVar("T")


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


def row_name(bureau: Bureau) -> str:
    """A bureau's own row in a table grouped by city: a city bureau's row says it is the city
    bureau's own figures (南京市（市局本级）), so it is not read as the city's total."""
    if bureau.level is BureauLevel.prefecture:
        return f"{bureau.short_name}（市局本级）"
    return bureau.short_name or bureau.name


def subtotal_name(city: Bureau) -> str:
    return f"{city.short_name}小计"


def with_subtotals(rows: list[T], bureau_of: Callable[[T], Bureau],
                   subtotal: Callable[[Bureau, list[T]], T]) -> list[T]:
    """``rows`` (one per bureau) in tree order; where they span two cities or more (a province
    of cities, seen province-wide), each city's rows are followed by the city's 小计 row,
    ``subtotal(city, rows of the city)``. Rows of no city (the province's own, a
    municipality's districts) come back in order, without subtotals; the caller adds the
    total."""
    ordered = sorted(rows, key=lambda row: tree_key(bureau_of(row)))
    groups: list[tuple[Bureau | None, list[T]]] = []
    for row in ordered:
        city = city_of(bureau_of(row))
        if groups and groups[-1][0] is city:
            groups[-1][1].append(row)
        else:
            groups.append((city, [row]))
    if sum(1 for city, _members in groups if city is not None) < 2:
        return ordered
    out: list[T] = []
    for city, members in groups:
        out += members
        if city is not None:
            out.append(subtotal(city, members))
    return out
