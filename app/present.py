"""How values read on screens, in exports, reports and the audit trail (Chinese first).

Presentation only: no rule and no query. Doors, reports and services that write texts for
people (the audit view) share these, so a date or a yes/no reads the same everywhere."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import url_for
from markupsafe import Markup, escape

from app import meta
from app.enums import FunctionCode


def format_value(value: Any) -> Any:
    """How a value reads in lists and show pages: dates without microseconds, yes/no in
    Chinese, several related records joined with the Chinese enumeration comma."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value.as_tuple().exponent == -2 else f"{value.normalize():f}"
    if isinstance(value, (list, tuple)):
        return "、".join(str(x) for x in value)
    if isinstance(value, meta.LabeledEnum):
        return value.label
    return value


def screen_value(value: Any) -> Any:
    """``format_value`` for a screen: a status that asks for attention (``meta.Attention``:
    逾期, 即将到期) is coloured, so it stands out in a long list."""
    if isinstance(value, meta.Attention):
        return Markup('<span class="text-{} attention">{}</span>').format(value.level, value)
    if isinstance(value, meta.LabeledEnum):  # a state never breaks mid-word in a narrow cell
        return Markup('<span class="console-nowrap">{}</span>').format(value.label)
    return format_value(value)


def yes_no(value: Any) -> str:
    return "是" if value else "否"


def check_mark(value: Any, unanswered: str | None = None) -> str:
    """✓ or ✗: whether a check (a review point, an eligibility condition) is met; with
    ``unanswered`` (e.g. "—"), a check not yet answered (None) reads so."""
    if value is None and unanswered is not None:
        return unanswered
    return "✓" if value else "✗"


def compliance_text(complies: bool | None) -> str:
    """符合 / 不符合 — an on-site check point's answer read against the checklist; nothing for
    a point not answered (or whose answer says neither)."""
    if complies is None:
        return ""
    return "符合" if complies else "不符合"


def import_result_text(created: int, updated: int, details: str | None) -> str:
    """结果 of an import batch: one is recorded only when every row was written (all or
    nothing), so it always reads as a success with its counts."""
    extra = f"；{details}" if details else ""
    return f"成功：新增{created}条，更新{updated}条{extra}"


def functions_text(functions) -> str:
    """'复审、监管' — how the seed's tables write a set of functions, in enum order."""
    order = list(FunctionCode)
    codes = sorted((f.code for f in functions), key=order.index)
    return "、".join(c.label for c in codes) or "无"


def link_to(view_name: str, pk: Any, text: Any) -> Markup:
    """A link to a record's show page, for list formatters."""
    return Markup('<a href="{}">{}</a>').format(url_for(f"{view_name}.show", pk=pk),
                                              escape(text))
