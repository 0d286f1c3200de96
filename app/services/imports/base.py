"""The one import mechanism: every bulk door (customs usage, applications with their
products, certificates, enterprises, registry accounts, the reference tables) is a *kind*
declared on :class:`ImportKind`.

A kind names its sheets and columns (the template's Chinese headers, the API's field names,
one example row). :func:`read_upload` streams the uploaded .xlsx/.csv row by row through
``app.services.tables.read_rows`` (row limit from ``app.policy``), and :meth:`ImportKind.plan`
checks every row by the same rules as the console form and the API — the column's field
validators and the model's record rules (``app.meta``), then ``app.services.records.prepare``
(scope first, the record's own refusal, its area's rules) — and says, for each row, whether
it creates or updates a record. ``app.commands.imports`` runs the plan in one write
transaction: every row, or none.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import io
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from app import meta
from app.domain.errors import DomainError, FieldInvalid, RecordInvalid
from app.services.tables import Row, parse_date, read_rows

#: rows shown in a preview
PREVIEW_ROWS = 10


@dataclasses.dataclass(frozen=True)
class Column:
    header: str            # the template's Chinese header
    field: str             # the API's field name
    required: bool = False
    example: str = ""      # or a ``policy.LocalText`` (the active province's example place)
    parse: Callable[[str], Any] | None = None  # text -> value (raises FieldInvalid)
    #: the model attribute a refusal names when it is not ``field`` (e.g. enterprise_id)
    target: str | None = None
    #: other headers read as this column (e.g. the official table's wording)
    aliases: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Sheet:
    title: str             # the worksheet's name in the template
    columns: tuple[Column, ...]
    #: row limit: None = ``policy.MAX_IMPORT_ROWS``; a detail sheet may carry more
    limit_factor: int = 1

    @property
    def header_map(self) -> dict[str, str]:
        found = {c.header: c.field for c in self.columns}
        for column in self.columns:
            for alias in column.aliases:
                found.setdefault(alias, column.field)
        return found

    def label(self, field: str) -> str:
        for column in self.columns:
            if field in (column.field, column.target):
                return column.header
        return field


@dataclasses.dataclass
class RowError:
    row: int  # as the user counts: the header is row 1, the first record row 2
    field: str
    message: str
    sheet: str | None = None  # the worksheet, when the kind has more than one

    def as_dict(self) -> dict:
        found = {"row": self.row, "field": self.field, "message": self.message}
        if self.sheet:
            found["sheet"] = self.sheet
        return found


def repeated_in_file(seen: set, key: Any, row: Row, field: str, errors: list[RowError],
                     what: str = "") -> bool:
    """A key met before in this file (the second row is refused, naming it); else remember
    it. One home for the rule and its words, for every kind keyed by a code or number."""
    if key in seen:
        errors.append(RowError(row.number, field, f"{what}{key}在文件中重复出现。"))
        return True
    seen.add(key)
    return False


class RowsRefused(DomainError):
    """Some rows are wrong: nothing is imported; ``errors`` lists them by row."""

    status_code = 422

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("；".join(f"第{e.row}行 {e.field}：{e.message}" for e in errors[:5]))


@dataclasses.dataclass
class PlannedRow:
    row: int
    action: str  # "新增" | "更新"
    values: dict[str, str]  # as read, by header (the preview shows them)


@dataclasses.dataclass
class Plan:
    """What an import will do: records to create and update, and the first rows."""

    kind: str
    created: int = 0
    updated: int = 0
    items: list = dataclasses.field(default_factory=list)
    preview: list[PlannedRow] = dataclasses.field(default_factory=list)
    #: extra counts by Chinese label (e.g. 产品: 50000)
    details: dict[str, int] = dataclasses.field(default_factory=dict)
    #: work run after the records are flushed (in the same transaction)
    after: list[Callable[[], None]] = dataclasses.field(default_factory=list)

    def record(self, row: Row, action: str, sheet: Sheet) -> None:
        if action == "新增":
            self.created += 1
        else:
            self.updated += 1
        if len(self.preview) < PREVIEW_ROWS:
            self.preview.append(PlannedRow(row.number, action,
                                           {c.header: row.get(c.field, "") for c in sheet.columns}))

    def headers(self) -> list[str]:
        return list(self.preview[0].values) if self.preview else []


# --- reading --------------------------------------------------------------------------


def read_upload(kind: ImportKind, stream, filename: str) -> dict[str, Iterable[Row]]:
    """The rows of each sheet of an upload, read lazily (``read_rows``): the first sheet of
    an .xlsx or a .csv is the kind's main sheet; an .xlsx may carry the kind's further
    sheets by their template names."""
    from app import policy

    main = kind.sheets[0]
    sheets: dict[str, Iterable[Row]] = {
        main.title: read_rows(stream, filename, limit=policy.MAX_IMPORT_ROWS * main.limit_factor,
                              columns=main.header_map,
                              required=[c.field for c in main.columns if c.required])}
    if len(kind.sheets) > 1 and (filename or "").lower().endswith(".xlsx"):
        names = _sheet_names(stream)
        for sheet in kind.sheets[1:]:
            if sheet.title in names:
                sheets[sheet.title] = read_rows(
                    _reopen(stream), filename,
                    limit=policy.MAX_IMPORT_ROWS * sheet.limit_factor,
                    columns=sheet.header_map,
                    required=[c.field for c in sheet.columns if c.required],
                    sheet=sheet.title)
    return sheets


def _sheet_names(stream) -> list[str]:
    from app.services.tables import sheet_names

    return sheet_names(stream)


def _reopen(stream):
    stream.seek(0)
    copy = io.BytesIO(stream.read())
    stream.seek(0)
    return copy


# --- values ---------------------------------------------------------------------------


def text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def enum_value(enum_cls):
    """A parser taking an enum by its Chinese label or its English code."""

    def parse(raw: str):
        raw = text(raw)
        if raw in enum_cls.__members__:
            return enum_cls[raw]
        for member in enum_cls:
            if member.value == raw:
                return member
        raise FieldInvalid(f"“{raw}”不是有效的取值，可选：" + "、".join(m.value for m in enum_cls) + "。")

    parse.choices = [m.value for m in enum_cls]
    return parse


def parse_bool(raw: str) -> bool:
    value = text(raw).upper()
    if value in ("是", "Y", "YES", "TRUE", "1", "√"):
        return True
    if value in ("否", "N", "NO", "FALSE", "0", ""):
        return False
    raise FieldInvalid("应填写“是”或“否”。")


def parse_int(raw: str) -> int:
    value = text(raw)
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise FieldInvalid("应为整数。") from None
    if not number.is_integer():
        raise FieldInvalid("应为整数。")
    return int(number)


def parse_decimal(raw: str) -> decimal.Decimal:
    try:
        return decimal.Decimal(text(raw).replace(",", ""))
    except decimal.InvalidOperation:
        raise FieldInvalid("应为数字。") from None


def parse_datetime(raw: str) -> dt.datetime:
    value = text(raw)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    return dt.datetime.combine(parse_date(value), dt.time(0))


def parse_text(raw: str) -> str:
    return text(raw)


def parse_upper(raw: str) -> str:
    return text(raw).upper()


# --- the kind -------------------------------------------------------------------------


class ImportKind:
    """One kind of bulk import. Subclasses set ``name`` (the API resource), ``title``,
    ``model``, ``sheets``, ``roles`` and implement :meth:`plan_rows`."""

    name: str = ""
    title: str = ""
    model: type | None = None
    sheets: tuple[Sheet, ...] = ()
    #: console roles allowed to import this kind (the provincial admin always is)
    roles: frozenset = frozenset()
    #: where the console list of the records lives (endpoint of its list)
    list_endpoint: str | None = None
    #: a note shown above the upload form
    note: str = ""
    #: the column a record's own refusal (``editing_refusal``) is reported in
    refusal_column: str = "数据"

    def __init__(self, **context):
        self.context = context  # e.g. application_id for an application's products
        self._cache: dict = {}
        self._validators: dict = {}
        self._held: dict = {}

    # each kind: the records its rows make, or errors --------------------------------

    def plan_rows(self, sheets: dict[str, Iterable[Row]], plan: Plan,
                  errors: list[RowError]) -> None:
        raise NotImplementedError

    def plan(self, sheets: dict[str, Iterable[Row]]) -> Plan:
        plan, errors = Plan(self.name), []
        self.plan_rows(sheets, plan, errors)
        if not errors and not plan.created and not plan.updated:
            errors.append(RowError(1, "文件", "文件中没有数据行。"))
        if errors:
            errors.sort(key=lambda e: (e.sheet or "", e.row))
            raise RowsRefused(errors)
        return plan

    def write(self, plan: Plan) -> None:
        """Save the planned records (already checked), then what follows their saving."""
        from app.extensions import db
        from app.services import records

        db.session.add_all(plan.items)
        db.session.flush()
        for item in plan.items:
            records.saved(item)
        for step in plan.after:
            step()

    # shared helpers ------------------------------------------------------------------

    def parse_row(self, sheet: Sheet, row: Row, errors: list[RowError],
                  sheet_name: str | None = None) -> dict[str, Any] | None:
        """The row's values, parsed, and checked by the field validators of the model's
        columns (as the form and the API check them); None if any is wrong."""
        values: dict[str, Any] = {}
        before = len(errors)
        for column in sheet.columns:
            raw = text(row.get(column.field))
            if not raw:
                if column.required:
                    errors.append(RowError(row.number, column.header, f"{column.header}不能为空。",
                                           sheet_name))
                else:
                    values[column.field] = None
                continue
            try:
                values[column.field] = (column.parse or parse_text)(raw)
            except FieldInvalid as exc:
                errors.append(RowError(row.number, column.header, exc.message, sheet_name))
        return values if len(errors) == before else None

    def check_values(self, model, sheet: Sheet, row: Row, values: Mapping[str, Any],
                     errors: list[RowError], sheet_name: str | None = None) -> bool:
        """The model's field validators and record rules, as the form and API run them."""
        from app.domain.validators import check_record

        before = len(errors)
        if model not in self._validators:
            self._validators[model] = meta.validators_of(model)
        for field, validators in self._validators[model].items():
            if field not in values or values[field] is None:
                continue
            for validate in validators:
                message = self._validated(validate, values[field])
                if message:
                    errors.append(RowError(row.number, sheet.label(field), message, sheet_name))
        if len(errors) == before:
            try:
                check_record(meta.record_rules_of(model), values)
            except RecordInvalid as exc:
                self.add_invalid(exc, sheet, row, errors, sheet_name)
        return len(errors) == before

    def _validated(self, validate, value) -> str | None:
        """A field validator's message (or None); the same value is checked once per
        import (a catalogue look-up need not run 50,000 times)."""
        key = (validate, value if not isinstance(value, list) else tuple(value))
        try:
            return self._cache[key]
        except (KeyError, TypeError):
            pass
        try:
            validate(value)
            message = None
        except FieldInvalid as exc:
            message = exc.message
        if len(self._cache) > 5000:  # bounded: free-text values rarely repeat
            self._cache.clear()
        try:
            self._cache[key] = message
        except TypeError:
            pass
        return message

    @staticmethod
    def add_invalid(exc: DomainError, sheet: Sheet, row: Row, errors: list[RowError],
                    sheet_name: str | None = None, refusal_column: str | None = None) -> None:
        found = getattr(exc, "errors", None)
        if not isinstance(found, dict) and refusal_column:
            errors.append(RowError(row.number, refusal_column, exc.message, sheet_name))
        elif isinstance(found, dict):
            for field, messages in found.items():
                label = sheet.label(field) if field != "_schema" else "数据"
                for message in messages:
                    errors.append(RowError(row.number, label, message, sheet_name))
        else:
            errors.append(RowError(row.number, "数据", exc.message, sheet_name))

    def prepare(self, item, creating: bool, sheet: Sheet, row: Row,
                errors: list[RowError], sheet_name: str | None = None) -> bool:
        """``records.prepare``: scope, the record's own refusal, its area's rules."""
        from app.services import records

        try:
            records.prepare(item, creating=creating)
        except DomainError as exc:
            self.add_invalid(exc, sheet, row, errors, sheet_name, self.refusal_column)
            return False
        self._hold_related(item)
        return True

    def _hold_related(self, item) -> None:
        """Keep the saved records a row points at (its category, enterprise, bureau) for the
        import's length: the session's identity map holds records only while something
        else does, so each row would otherwise load them again, one query a row."""
        from flask_appbuilder.models.sqla import Model
        from sqlalchemy import inspect as sa_inspect

        for value in list(vars(item).values()):
            if isinstance(value, Model):
                key = sa_inspect(value).identity_key
                if key is not None and key not in self._held:
                    self._held[key] = value

    # templates -----------------------------------------------------------------------

    def template(self) -> bytes:
        """The template: one worksheet per sheet, Chinese headers, one example row, the
        choices of each enum column in a note row below."""
        import openpyxl
        from openpyxl.styles import Font, PatternFill

        book = openpyxl.Workbook()
        book.remove(book.active)
        for sheet in self.sheets:
            ws = book.create_sheet(sheet.title)
            ws.append([c.header for c in sheet.columns])
            # an example may name the province's places (``policy.LocalText``): read it now
            ws.append([str(c.example) for c in sheet.columns])
            for cell in ws[1]:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="DDEBF7")
            for index, column in enumerate(sheet.columns, start=1):
                letter = openpyxl.utils.get_column_letter(index)
                ws.column_dimensions[letter].width = max(12, min(40, 2 * len(column.header) + 4,
                                                                 len(column.example) + 4))
                if column.required:
                    ws.cell(row=1, column=index).value = column.header
                    ws.cell(row=1, column=index).font = Font(bold=True, color="C00000")
                choices = getattr(column.parse, "choices", None)
                if choices:
                    from openpyxl.comments import Comment

                    ws.cell(row=1, column=index).comment = Comment(
                        "可填：" + "、".join(choices), "系统")
            ws.freeze_panes = "A2"
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    def template_name(self) -> str:
        return f"{self.title}导入模板.xlsx"


def error_report(kind: ImportKind, stream, filename: str, errors: list[RowError]) -> bytes:
    """The uploaded sheet(s) with an error column (错误说明) added, as .xlsx."""
    import openpyxl

    from app.services.tables import _csv_rows, _xlsx_rows

    by_sheet: dict[str | None, dict[int, list[str]]] = {}
    for error in errors:
        by_sheet.setdefault(error.sheet, {}).setdefault(error.row, []).append(
            f"{error.field}：{error.message}")
    book = openpyxl.Workbook(write_only=True)
    is_xlsx = (filename or "").lower().endswith(".xlsx")
    titles = [kind.sheets[0].title]
    if is_xlsx and len(kind.sheets) > 1:
        names = _sheet_names(stream)
        titles += [s.title for s in kind.sheets[1:] if s.title in names]
    for index, title in enumerate(titles):
        stream.seek(0)
        if is_xlsx:
            rows = _xlsx_rows(io.BytesIO(stream.read()), sheet=None if index == 0 else title)
        else:
            rows = _csv_rows(stream)
        marks = by_sheet.get(None if index == 0 else title, {})
        if index == 0:
            for key, messages in by_sheet.get(title, {}).items():
                marks.setdefault(key, []).extend(messages)
        ws = book.create_sheet(title)
        for number, cells in enumerate(rows, start=1):
            cells = list(cells)
            note = "错误说明" if number == 1 else "；".join(marks.get(number, []))
            ws.append(cells + [note])
    if not titles:
        book.create_sheet("错误")
    buffer = io.BytesIO()
    book.save(buffer)
    stream.seek(0)
    return buffer.getvalue()
