"""Rows of the customs data exchange (海关调用记录: an Excel/CSV file or a JSON list through the
API), checked one by one: every error is reported by row and column, and only a file without
errors is imported (``app.commands.customs_import``)."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from app import policy
from app.domain.errors import FieldInvalid
from app.domain.validators import MAX_INTEGER, declaration_no, positive
from app.extensions import db
from app.models import Certificate, CustomsUsage
from app.scope import bureau_scope, scope_clause
from app.services.certificates import customs_usage_refusal, quantity_refusal
from app.services.imports.base import RowError, RowsRefused
from app.services.tables import parse_date, read_rows

#: file header -> field; the Chinese headers are those of the template users download
COLUMNS = {"证明编号": "certificate_number", "报关单号": "declaration_no", "入境口岸": "port",
           "调用日期": "used_on", "数量": "quantity"}
FIELD_LABELS = {field: header for header, field in COLUMNS.items()}
TEMPLATE_ROW = {"证明编号": "N31010126000001", "报关单号": "220120261000012345",
                "入境口岸": "洋山港", "调用日期": "2026-11-20", "数量": "10"}


def read_file(stream, filename: str) -> list[dict]:
    """The rows of an uploaded customs exchange file (.xlsx or .csv), read row by row and
    refused as soon as it passes ``policy.MAX_IMPORT_ROWS``; the template's Chinese headers
    or the API's English field names. Each row knows its row in the sheet (``.number``)."""
    return list(read_rows(stream, filename, limit=policy.MAX_IMPORT_ROWS, columns=COLUMNS,
                          required=COLUMNS.values()))


def normalise_headers(row: dict) -> dict:
    """Accept the Chinese headers of the template or the API's English field names."""
    renamed = {COLUMNS.get(str(key).strip(), str(key).strip()): value
               for key, value in row.items()}
    if hasattr(row, "number"):  # a file row keeps its row number
        row = type(row)(row.number, renamed)
        return row
    return renamed


def missing_columns(headers) -> list[str]:
    present = {COLUMNS.get(str(h).strip(), str(h).strip()) for h in headers}
    return [FIELD_LABELS[f] for f in COLUMNS.values() if f not in present]


# --- one parser per field (raise FieldInvalid with the user's message) ---------------------

def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def parse_quantity(value) -> int:
    text = _text(value)
    try:
        number = float(text)
    except (ValueError, OverflowError):
        raise FieldInvalid("数量应为正整数。") from None
    if not text or not number.is_integer():
        raise FieldInvalid("数量应为正整数。")
    positive(int(number))
    if number > MAX_INTEGER:
        raise FieldInvalid(f"数量超出范围（最大{MAX_INTEGER}）。")
    return int(number)


def parse_declaration(value) -> str:
    text = _text(value)
    if not text:
        raise FieldInvalid("报关单号不能为空。")
    declaration_no(text)
    return text


def parse_port(value) -> str:
    text = _text(value)
    if not text:
        raise FieldInvalid("入境口岸不能为空。")
    return text


PARSERS: dict[str, Callable[[Any], Any]] = {
    "declaration_no": parse_declaration, "port": parse_port, "used_on": parse_date,
    "quantity": parse_quantity,
}


class RowChecker:
    """Checks rows against the certificates in the user's scope and the usages on record."""

    def __init__(self, rows: list[dict], user="current"):
        numbers = {_text(r.get("certificate_number")) for r in rows}
        self.certificates = {c.number: c for c in db.session.scalars(
            select(Certificate).where(Certificate.number.in_(numbers),
                                      scope_clause(Certificate, bureau_scope(user))))}
        ids = [c.id for c in self.certificates.values()]
        self.recorded = set(db.session.execute(select(
            CustomsUsage.certificate_id, CustomsUsage.declaration_no).where(
            CustomsUsage.certificate_id.in_(ids))).tuples())
        self.seen: set[tuple[int, str]] = set()
        self.taken: dict[int, int] = {}  # certificate id -> quantity of earlier rows

    def certificate(self, number: str, row: int) -> tuple[Certificate | None, RowError | None]:
        if not number:
            return None, RowError(row, "证明编号", "证明编号不能为空。")
        cert = self.certificates.get(number)
        if cert is None:
            return None, RowError(row, "证明编号", f"证明编号{number}不存在，或不在您的管辖范围内。")
        return cert, None

    def duplicate(self, cert: Certificate, declaration: str, number: str) -> str | None:
        key = (cert.id, declaration)
        if key in self.recorded:
            return f"报关单{declaration}已登记在证明{number}下，不能重复导入。"
        if key in self.seen:
            return f"报关单{declaration}在文件中重复出现。"
        self.seen.add(key)
        return None

    def check(self, raw: dict, row: int) -> tuple[CustomsUsage | None, list[RowError]]:
        number = _text(raw.get("certificate_number"))
        cert, error = self.certificate(number, row)
        errors = [error] if error else []
        values = {}
        for field, parse in PARSERS.items():
            try:
                values[field] = parse(raw.get(field))
            except FieldInvalid as exc:
                errors.append(RowError(row, FIELD_LABELS[field], exc.message))
        if cert is None or errors:
            return None, errors
        duplicate = self.duplicate(cert, values["declaration_no"], number)
        if duplicate:
            return None, [RowError(row, "报关单号", duplicate)]
        refusal = customs_usage_refusal(cert, values["used_on"])
        if refusal is not None:
            field = "调用日期" if "used_on" in getattr(refusal, "errors", {}) else "证明编号"
            return None, [RowError(row, field, refusal.message)]
        excess = quantity_refusal(cert, values["quantity"], self.taken.get(cert.id, 0))
        if excess:
            return None, [RowError(row, "数量", excess)]
        self.taken[cert.id] = self.taken.get(cert.id, 0) + values["quantity"]
        return CustomsUsage(certificate_id=cert.id, **values), []


def check_rows(rows: list[dict], user="current") -> list[CustomsUsage]:
    """Every row as a customs usage to record, or ``RowsRefused`` with every error."""
    if not rows:
        raise RowsRefused([RowError(1, "文件", "文件中没有数据行。")])
    rows = [normalise_headers(r) if isinstance(r, dict) else None for r in rows]
    checker = RowChecker([r for r in rows if r is not None], user)
    prepared, errors = [], []
    for index, raw in enumerate(rows, start=2):
        index = getattr(raw, "number", index)  # a file row knows its row in the sheet
        if raw is None:
            errors.append(RowError(index, "数据", "该行应为JSON对象，例如{\"certificate_number\": \"...\", \"quantity\": 1}。"))
            continue
        usage, row_errors = checker.check(raw, index)
        errors.extend(row_errors)
        if usage is not None:
            prepared.append(usage)
    if errors:
        raise RowsRefused(errors)
    return prepared
