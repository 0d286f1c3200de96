"""Reference tables for the provincial admin: the CCC catalogue (描述与界定表 layout), a
year's holiday schedule as the State Council publishes it, and the bureaus with their
division codes."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from app.enums import BureauLevel, CalendarDayKind
from app.extensions import db
from app.models import Bureau, CalendarDay, CalendarYear, CccCategory
from app.policy import local
from app.services.imports.base import (
    Column,
    ImportKind,
    Plan,
    RowError,
    Sheet,
    enum_value,
    repeated_in_file,
    text,
)
from app.services.tables import parse_date

# --- CCC catalogue ---------------------------------------------------------------------

CCC_SHEET = Sheet("强制性产品认证目录描述与界定表", (
    Column("大类序号", "category_no", True, "九", aliases=("序号",)),
    Column("产品大类", "category", True, "信息技术设备"),
    Column("产品小类代码", "code", True, "0901", aliases=("小类代码", "代码", "产品种类代码")),
    Column("产品种类", "product_name", True, "微型计算机", aliases=("产品名称", "产品小类")),
    Column("产品描述与界定", "scope_notes", False, "指台式微型计算机、便携式计算机……",
           aliases=("产品描述/界定", "描述与界定", "范围说明", "适用范围")),
    Column("自我声明评价方式", "self_declaration", False, ""),
    Column("HS编码示例", "example_hs_codes", False, "8471300000"),
    Column("来源", "source", False, "市场监管总局公告2023年第36号"),
))


class CccCategoryImport(ImportKind):
    name = "ccc_category"
    title = "CCC目录"
    model = CccCategory
    sheets = (CCC_SHEET,)
    list_endpoint = "CccCategoryView.list"
    note = "按《强制性产品认证目录描述与界定表》的列导入：按产品小类代码新增或更新。"

    def plan_rows(self, sheets, plan: Plan, errors: list[RowError]) -> None:
        sheet = self.sheets[0]
        rows = list(sheets[sheet.title])
        existing = {c.code: c for c in db.session.scalars(select(CccCategory))}
        seen: set[str] = set()
        for row in rows:
            values = self.parse_row(sheet, row, errors)
            if values is None:
                continue
            values["source"] = values.get("source") or "省级管理员导入"
            if not self.check_values(CccCategory, sheet, row, values, errors):
                continue
            code = values["code"]
            if repeated_in_file(seen, code, row, "产品小类代码", errors, "小类代码"):
                continue
            item = existing.get(code)
            creating = item is None
            if creating:
                item = CccCategory(code=code, is_demo=False)
            for field, value in values.items():
                setattr(item, field, value)
            item.is_demo = False
            if self.prepare(item, creating, sheet, row, errors):
                plan.items.append(item)
                plan.record(row, "新增" if creating else "更新", sheet)


# --- the holiday schedule of one year --------------------------------------------------

#: the festivals of every year's State Council notice (国务院办公厅关于…部分节假日安排的通知)
FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
KIND_WORDS = {"放假": CalendarDayKind.holiday, "休": CalendarDayKind.holiday,
              "休息": CalendarDayKind.holiday, "节假日": CalendarDayKind.holiday,
              "调休上班": CalendarDayKind.adjusted_workday, "上班": CalendarDayKind.adjusted_workday,
              "班": CalendarDayKind.adjusted_workday}


def parse_day_kind(raw: str) -> CalendarDayKind:
    raw = text(raw)
    if raw in KIND_WORDS:
        return KIND_WORDS[raw]
    return enum_value(CalendarDayKind)(raw)


parse_day_kind.choices = ["放假", "调休上班"]

CALENDAR_SHEET = Sheet("节假日安排", (
    Column("日期", "day", True, "2027-01-01", parse=parse_date),
    Column("类型", "kind", True, "放假", parse=parse_day_kind),
    Column("名称", "name", True, "元旦"),
    Column("依据", "source", False, "国务院办公厅关于2027年部分节假日安排的通知"),
))


class CalendarDayImport(ImportKind):
    name = "calendar_day"
    title = "节假日安排"
    model = CalendarDay
    sheets = (CALENDAR_SHEET,)
    list_endpoint = "CalendarDayView.list"
    note = ("一个年度的全部放假和调休上班日期（国务院办公厅通知）：所有日期须属于同一年度，调休上班日须为周末，"
            "元旦、春节、清明节、劳动节、端午节、中秋节、国庆节须齐全；导入后该年度标记为已录入完整，"
            "原有该年度的日期被替换。")

    def plan_rows(self, sheets, plan: Plan, errors: list[RowError]) -> None:
        sheet = self.sheets[0]
        rows = list(sheets[sheet.title])
        parsed = []
        for row in rows:
            values = self.parse_row(sheet, row, errors)
            if values is not None:
                parsed.append((row, values))
        if errors or not parsed:
            return
        years = {values["day"].year for _, values in parsed}
        year = min(years, key=lambda y: sum(1 for _, v in parsed if v["day"].year != y))
        seen: dict[dt.date, int] = {}
        names = set()
        for row, values in parsed:
            day = values["day"]
            if day.year != year:
                errors.append(RowError(row.number, "日期",
                                       f"{day.isoformat()}不属于{year}年：一个文件只导入一个年度的安排。"))
                continue
            if day in seen:
                errors.append(RowError(row.number, "日期", f"{day.isoformat()}在第{seen[day]}行已出现。"))
                continue
            seen[day] = row.number
            if values["kind"] is CalendarDayKind.adjusted_workday and day.weekday() < 5:
                errors.append(RowError(row.number, "类型",
                                       f"{day.isoformat()}是工作日（周{'一二三四五'[day.weekday()]}），"
                                       "调休上班日应为周六或周日。"))
                continue
            if values["kind"] is CalendarDayKind.holiday:
                names.add(values["name"])
        missing = [f for f in FESTIVALS if not any(f in name for name in names)]
        if missing and not errors:
            errors.append(RowError(1, "名称", f"{year}年的安排不完整：缺少" + "、".join(missing)
                                   + "的放假日期（应与国务院办公厅通知一致）。"))
        if errors:
            return
        existing = {d.day: d for d in db.session.scalars(
            select(CalendarDay).where(CalendarDay.day.between(dt.date(year, 1, 1),
                                                              dt.date(year, 12, 31))))}
        for row, values in parsed:
            item = existing.pop(values["day"], None)
            creating = item is None
            if creating:
                item = CalendarDay(day=values["day"])
            item.kind, item.name = values["kind"], values["name"]
            if self.prepare(item, creating, sheet, row, errors):
                plan.items.append(item)
                plan.record(row, "新增" if creating else "更新", sheet)
        source = next((v["source"] for _, v in parsed if v.get("source")), None) \
            or f"{year}年节假日安排（导入）"
        stale = list(existing.values())

        def finish() -> None:
            for item in stale:
                db.session.delete(item)
            record = db.session.get(CalendarYear, year) or CalendarYear(year=year)
            record.complete, record.source = True, source[:200]
            db.session.add(record)
            db.session.flush()

        plan.after.append(finish)
        plan.details[f"{year}年"] = len(parsed)


def removed_days(year: int):
    return delete(CalendarDay).where(CalendarDay.day.between(dt.date(year, 1, 1),
                                                             dt.date(year, 12, 31)))


# --- bureaus and division codes --------------------------------------------------------

BUREAU_SHEET = Sheet("市场监管部门", (
    Column("部门名称", "name", True, local("{example_bureau_name}")),
    Column("简称", "short_name", True, local("{example_bureau_short_name}")),
    Column("行政区划代码", "division_code", True, local("{example_division_code}")),
    Column("层级", "level", True, BureauLevel.county.value, parse=enum_value(BureauLevel)),
    Column("上级部门", "parent", False, local("{province_bureau_name}"), target="parent_id"),
))


class BureauImport(ImportKind):
    name = "bureau"
    title = "市场监管部门"
    model = Bureau
    sheets = (BUREAU_SHEET,)
    list_endpoint = "BureauView.list"
    note = "按行政区划代码新增或更新市场监管部门；上级部门可填全称、简称或区划代码（可为本文件中前面的行）。"

    def plan_rows(self, sheets, plan: Plan, errors: list[RowError]) -> None:
        sheet = self.sheets[0]
        rows = list(sheets[sheet.title])
        known = list(db.session.scalars(select(Bureau)))
        by_code = {b.division_code: b for b in known}
        seen: set[str] = set()
        for row in rows:
            values = self.parse_row(sheet, row, errors)
            if values is None:
                continue
            record = {f: values[f] for f in ("name", "short_name", "division_code", "level")}
            if not self.check_values(Bureau, sheet, row, record, errors):
                continue
            code = record["division_code"]
            if repeated_in_file(seen, code, row, "行政区划代码", errors):
                continue
            parent = None
            if values.get("parent"):
                parent = next((b for b in by_code.values()
                               if values["parent"] in (b.name, b.short_name, b.division_code)),
                              None)
                if parent is None:
                    errors.append(RowError(row.number, "上级部门",
                                           f"找不到上级部门“{values['parent']}”。"))
                    continue
            item = by_code.get(code)
            creating = item is None
            if creating:
                item = Bureau()
            for field, value in record.items():
                setattr(item, field, value)
            item.parent = parent
            if self.prepare(item, creating, sheet, row, errors):
                by_code[code] = item
                plan.items.append(item)
                plan.record(row, "新增" if creating else "更新", sheet)
