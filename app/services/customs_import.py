"""Import of customs usage records (海关调用记录) from the customs data exchange: an Excel or
CSV file, or a JSON list through the API. Every row is checked; any error means nothing is
saved, and the user gets the list of errors by row."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
from sqlalchemy import select

from app import policy
from app.domain.errors import DomainError, FieldInvalid
from app.domain.validators import MAX_INTEGER, declaration_no, positive
from app.extensions import db
from app.models import Certificate, CertificateState, CustomsUsage
from app.scope import bureau_scope, scope_clause
from app.services.certificates import record_customs_usage
from app.services.tables import parse_date, read_rows

#: file header -> field; the Chinese headers are those of the template users download
COLUMNS = {"证明编号": "certificate_number", "报关单号": "declaration_no", "入境口岸": "port",
           "调用日期": "used_on", "数量": "quantity"}
FIELD_LABELS = {field: header for header, field in COLUMNS.items()}


@dataclasses.dataclass
class RowError:
    row: int  # as the user counts: the header is row 1, the first record row 2
    field: str
    message: str


@dataclasses.dataclass
class ImportResult:
    created: int
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


def template_frame() -> pd.DataFrame:
    return pd.DataFrame([{"证明编号": "N31010126000001", "报关单号": "220120261000012345",
                          "入境口岸": "洋山港", "调用日期": "2026-11-20", "数量": "10"}])


def read_file(stream, filename: str) -> list[dict]:
    """The rows of an uploaded customs exchange file (.xlsx or .csv), read row by row and
    refused as soon as it passes ``policy.MAX_IMPORT_ROWS``; the template's Chinese headers
    or the API's English field names."""
    return list(read_rows(stream, filename, limit=policy.MAX_IMPORT_ROWS, columns=COLUMNS,
                          required=COLUMNS.values()))


def _parse_date(value) -> dt.date:
    return parse_date(value)


def import_rows(rows: list[dict], user="current") -> ImportResult:
    """Check every row; save all of them, or none."""
    if not rows:
        return ImportResult(0, [RowError(1, "file", "文件中没有数据行。")])
    if len(rows) > policy.MAX_IMPORT_ROWS:
        return ImportResult(0, [RowError(1, "file", f"一次最多导入{policy.MAX_IMPORT_ROWS}行，请分批导入。")])
    not_objects = [RowError(getattr(r, "number", i), "file",
                            "该行应为JSON对象，例如{\"certificate_number\": \"...\", \"quantity\": 1}。")
                   for i, r in enumerate(rows, start=2) if not isinstance(r, dict)]
    if not_objects:
        return ImportResult(0, not_objects)
    scope = bureau_scope(user)
    numbers = {str(r.get("certificate_number") or "").strip() for r in rows}
    certificates = {c.number: c for c in db.session.scalars(
        select(Certificate).where(Certificate.number.in_(numbers),
                                  scope_clause(Certificate, scope)))}
    existing = {(cid, no) for cid, no in db.session.execute(
        select(CustomsUsage.certificate_id, CustomsUsage.declaration_no).where(
            CustomsUsage.certificate_id.in_([c.id for c in certificates.values()])))}
    errors: list[RowError] = []
    seen: set[tuple[int, str]] = set()
    prepared: list[CustomsUsage] = []
    for index, raw in enumerate(rows, start=2):
        index = getattr(raw, "number", index)  # a file row knows its row in the sheet
        values = {k: ("" if v is None or (isinstance(v, float) and pd.isna(v)) else v)
                  for k, v in raw.items()}
        row_errors = []
        number = str(values.get("certificate_number") or "").strip()
        cert = certificates.get(number)
        if not number:
            row_errors.append(RowError(index, "证明编号", "证明编号不能为空。"))
        elif cert is None:
            row_errors.append(RowError(index, "证明编号", f"证明编号{number}不存在，或不在您的管辖范围内。"))
        elif cert.state is CertificateState.voided:
            row_errors.append(RowError(index, "证明编号", f"证明{number}已作废，不能登记海关调用。"))
        declaration = str(values.get("declaration_no") or "").strip()
        try:
            if not declaration:
                raise FieldInvalid("报关单号不能为空。")
            declaration_no(declaration)
        except FieldInvalid as exc:
            row_errors.append(RowError(index, "报关单号", exc.message))
        port = str(values.get("port") or "").strip()
        if not port:
            row_errors.append(RowError(index, "入境口岸", "入境口岸不能为空。"))
        try:
            used_on = _parse_date(values.get("used_on"))
        except FieldInvalid as exc:
            row_errors.append(RowError(index, "调用日期", exc.message))
            used_on = None
        quantity = None
        try:
            text = str(values.get("quantity") or "").strip()
            quantity = int(float(text)) if text else None
            if quantity is None or float(text) != quantity:
                raise FieldInvalid("数量应为正整数。")
            positive(quantity)
            if quantity > MAX_INTEGER:
                raise FieldInvalid(f"数量超出范围（最大{MAX_INTEGER}）。")
        except (FieldInvalid, ValueError, OverflowError) as exc:
            row_errors.append(RowError(index, "数量", getattr(exc, "message", "数量应为正整数。")))
        if cert is not None and declaration:
            key = (cert.id, declaration)
            if key in existing:
                row_errors.append(RowError(index, "报关单号", f"报关单{declaration}已登记在证明{number}下，不能重复导入。"))
            elif key in seen:
                row_errors.append(RowError(index, "报关单号", f"报关单{declaration}在文件中重复出现。"))
            seen.add(key)
        if row_errors:
            errors.extend(row_errors)
            continue
        if used_on and cert is not None and used_on < cert.issued_on:
            errors.append(RowError(index, "调用日期", f"调用日期早于证明签发日期（{cert.issued_on:%Y-%m-%d}）。"))
            continue
        prepared.append(CustomsUsage(certificate_id=cert.id, declaration_no=declaration,
                                     port=port, used_on=used_on, quantity=quantity))
    if errors:
        return ImportResult(0, errors)
    try:
        for usage in prepared:
            record_customs_usage(usage)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return ImportResult(0, [RowError(1, "file", exc.message)])
    except Exception:
        db.session.rollback()
        raise
    return ImportResult(len(prepared), [])
