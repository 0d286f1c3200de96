"""Field validators and cross-field record rules, with the Chinese messages users read.

Each field validator takes one value and raises ``FieldInvalid``; each record rule takes a
mapping of a record's values and yields ``(field, message)`` pairs. They are attached to
columns and models in ``app.models`` and adapted once to WTForms (console) and marshmallow
(REST API) by ``app.fab``.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from stdnum.cn import uscc as stdnum_uscc

from app.domain.errors import FieldInvalid, RecordInvalid

# --- field validators -------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, Z, S, V


def uscc(value: str | None) -> None:
    """统一社会信用代码 per GB 32100-2015: 18 characters, its charset, the 6-digit division
    code in positions 3-8, and the check character (computed by python-stdnum)."""
    if not value:
        return
    code = value.strip().upper()
    if len(code) != 18:
        raise FieldInvalid(f"统一社会信用代码应为18位，当前为{len(code)}位。")
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        raise FieldInvalid(
            "统一社会信用代码含有非法字符“" + "".join(bad) + "”：只能使用数字和除I、O、Z、S、V以外的大写英文字母。")
    if not code[2:8].isdigit():
        raise FieldInvalid("统一社会信用代码第3至8位应为登记管理机关行政区划码（6位数字）。")
    if stdnum_uscc.calc_check_digit(code[:17]) != code[17]:
        raise FieldInvalid("统一社会信用代码校验码不正确（GB 32100-2015），请逐位核对。")


def hs_code(value: str | None) -> None:
    if value and not re.fullmatch(r"\d{10}", value.strip()):
        raise FieldInvalid("HS编码应为10位数字。")


MOBILE_RE = re.compile(r"1[3-9]\d{9}")
LANDLINE_RE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")


def mobile_phone(value: str | None) -> None:
    if value and not MOBILE_RE.fullmatch(value.strip()):
        raise FieldInvalid("手机号码应为以1开头的11位数字，例如13812345678。")


def phone(value: str | None) -> None:
    """电话/手机: a mobile number, or a landline with area code (021-64220000, 分机 -2826)."""
    if value and not (MOBILE_RE.fullmatch(value.strip()) or LANDLINE_RE.fullmatch(value.strip())):
        raise FieldInvalid("电话号码格式不正确：手机为11位数字，固定电话须含区号，如021-64220000。")


def division_code(value: str | None) -> None:
    if value and not re.fullmatch(r"\d{6}", value.strip()):
        raise FieldInvalid("行政区划代码应为6位数字（GB/T 2260）。")


def ccc_code_format(value: str | None) -> None:
    if value and not re.fullmatch(r"\d{4}", value.strip()):
        raise FieldInvalid("CCC产品小类代码应为4位数字，例如0901。")


def ccc_code_in_catalogue(value: str | None) -> None:
    """The sub-category must exist in the CCC catalogue the provincial admin maintains."""
    if not value or not re.fullmatch(r"\d{4}", value.strip()):
        return  # the format check reports this case
    from sqlalchemy import column, select, table

    from app.extensions import db

    catalogue = table("ccc_category", column("code"))  # the table, not the model above us
    if db.session.scalar(select(catalogue.c.code).where(catalogue.c.code == value.strip())) \
            is None:
        raise FieldInvalid(f"CCC产品小类代码{value}不在CCC目录中，请对照《强制性产品认证目录描述与界定表》填写。")


def declaration_no(value: str | None) -> None:
    if value and not re.fullmatch(r"\d{18}", value.strip()):
        raise FieldInvalid("报关单号应为18位数字。")


#: The largest whole number an Integer column holds on every supported database (PostgreSQL's
#: ``integer``; SQLite stores more).
MAX_INTEGER = 2**31 - 1


def positive(value: Any) -> None:
    if value is None or value == "":
        return
    try:
        number = Decimal(str(value))
    except Exception:  # noqa: BLE001 - any unparsable value is the user's input error
        raise FieldInvalid("请输入数字。") from None
    if number <= 0:
        raise FieldInvalid("数值必须大于0。")

def percent_ratio(value) -> None:
    """A percentage such as a sampling ratio: above 0 and at most 100."""
    if value is None:
        return
    try:
        number = Decimal(str(value))
    except Exception:  # noqa: BLE001 - any unreadable value is the same user error
        raise FieldInvalid("抽查比例应为数字，如填10即百分之十。") from None
    if not Decimal("0") < number <= Decimal("100"):
        raise FieldInvalid("抽查比例应大于0且不超过100（百分数）。")


# --- record rules ----------------------------------------------------------------------

def code_of(value: Any) -> str | None:
    """Enum member, code string or None -> code string or None."""
    if value is None or value == "":
        return None
    return getattr(value, "name", value)


def date_order(start: str, end: str, message: str):
    """Rule factory: ``start`` must not be after ``end`` (both optional)."""

    def rule(values: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        a, b = values.get(start), values.get(end)
        if isinstance(a, dt.datetime):
            a = a.date()
        if isinstance(b, dt.datetime):
            b = b.date()
        if a and b and a > b:
            yield end, message

    rule.__name__ = f"date_order_{start}_{end}"
    return rule


def at_least_one(fields: Iterable[str], message: str):
    """Rule factory: at least one of ``fields`` is filled in."""
    fields = tuple(fields)

    def rule(values: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        if not any((values.get(f) or "").strip() if isinstance(values.get(f), str) else values.get(f)
                   for f in fields):
            yield fields[0], message

    rule.__name__ = "at_least_one_" + "_".join(fields)
    return rule


def check_record(rules, values: Mapping[str, Any]) -> None:
    """Run record rules and raise one ``RecordInvalid`` with every problem found."""
    errors: dict[str, list[str]] = {}
    for rule in rules:
        for field, message in rule(values):
            errors.setdefault(field, []).append(message)
    if errors:
        raise RecordInvalid(errors)


def check_fields(field_validators: Mapping[str, Iterable], values: Mapping[str, Any]) -> None:
    """Run field validators over the values present; raise one ``RecordInvalid``."""
    errors: dict[str, list[str]] = {}
    for field, validators in field_validators.items():
        if field not in values:
            continue
        for validate in validators:
            try:
                validate(values[field])
            except FieldInvalid as exc:
                errors.setdefault(field, []).append(exc.message)
    if errors:
        raise RecordInvalid(errors)
