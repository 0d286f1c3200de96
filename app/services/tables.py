"""Uploaded tables (.xlsx, .csv) read row by row.

``read_rows`` is the one reader of every import: it streams the file (the ``csv`` module
for .csv; for .xlsx python-calamine where the sheet is known to be small enough to parse at
once, else openpyxl's read-only mode), so a file far over the row limit is refused as soon
as the limit is passed, not after it has been parsed whole. Row 1 is the header;
rows are dicts keyed by header with every value as text, and each knows its row number as
the user counts it in the sheet. Whatever cannot be read is said in Chinese
(``TableError``), never as a library's message.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO

from app.domain.errors import DomainError, FieldInvalid

#: The first bytes of an OLE2 compound file: the old binary Excel format (.xls).
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
#: An .xlsx whose text table unpacks to more than this is refused before it is loaded
#: (openpyxl keeps the shared strings in memory; a small zip can unpack to gigabytes).
MAX_XLSX_MEMBER_BYTES = 256 * 1024 * 1024
_CHUNK = 1024 * 1024

SUPPORTED = "只能导入Excel（.xlsx）或CSV（.csv）文件。"
OLD_EXCEL = "不支持旧版Excel（.xls）文件：请在Excel中“另存为”Excel工作簿（.xlsx）或CSV后再导入。"
NOT_XLSX = "文件不是有效的Excel（.xlsx）文件，无法读取：请确认文件未损坏，或另存为.xlsx后再导入。"
UNKNOWN_ENCODING = "CSV文件的编码无法识别：请保存为UTF-8或GB18030（GBK）编码后再导入。"


class TableError(DomainError):
    """The file cannot be read as a table; ``row`` is the sheet row at fault, if one is."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


class Row(dict):
    """One data row: text values by header; ``number`` is its row in the sheet (header = 1)."""

    def __init__(self, number: int, values: Mapping[str, str]):
        super().__init__(values)
        self.number = number


def read_rows(stream: IO[bytes], filename: str, limit: int | None = None, *,
              columns: Mapping[str, str] | None = None,
              required: Iterable[str] = (), sheet: str | None = None) -> Iterator[Row]:
    """Yield the data rows of an uploaded .xlsx or .csv file, one at a time.

    ``columns`` maps header texts to keys (e.g. ``{"证明编号": "certificate_number"}``); other
    headers are kept as written. ``required`` keys missing from the header stop the reading
    before the first row. Blank rows are skipped. A row past ``limit`` data rows raises
    ``TableError`` at once, without reading further. ``sheet`` names the worksheet of an
    .xlsx to read (default: the first).
    """
    kind = _kind_of(stream, filename)
    if kind == "xlsx":
        raw = _xlsx_rows(stream, sheet, max_rows=None if limit is None else limit + 1)
    else:
        raw = _csv_rows(stream)
    try:
        header_cells = next(raw, None)
        if header_cells is None or not any(_text(c).strip() for c in header_cells):
            raise TableError("文件第1行应为表头（列名），但第1行为空。", row=1)
        keys = _header_keys(header_cells, columns or {})
        missing = [k for k in required if k not in keys]
        if missing:
            labels = {key: header for header, key in reversed(list((columns or {}).items()))}
            raise TableError("文件缺少以下列：" + "、".join(labels.get(k, k) for k in missing)
                             + "（请使用导入模板）。", row=1)
        count = 0
        for number, cells in enumerate(raw, start=2):
            values = {}
            for key, cell in zip(keys, cells):
                if key is not None:
                    values[key] = _text(cell)
            if not any(v.strip() for v in values.values()):
                continue
            if any("\x00" in v for v in values.values()):
                raise TableError(f"第{number}行含有不允许的控制字符（NUL），请检查文件。", row=number)
            count += 1
            if limit is not None and count > limit:
                raise TableError(f"文件超过{limit}行数据：一次最多导入{limit}行，请分批导入。",
                                 row=number)
            yield Row(number, {k: values.get(k, "") for k in keys if k is not None})
    finally:
        raw.close()


def _kind_of(stream: IO[bytes], filename: str) -> str:
    name = (filename or "").lower()
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(OLE2_MAGIC) or name.endswith(".xls"):
        raise TableError(OLD_EXCEL)
    if name.endswith(".xlsx"):
        if not head.startswith(ZIP_MAGIC):
            raise TableError(NOT_XLSX)
        return "xlsx"
    if name.endswith(".csv"):
        return "csv"
    raise TableError(SUPPORTED)


def _header_keys(cells, columns: Mapping[str, str]) -> list[str | None]:
    keys: list[str | None] = []
    for cell in cells:
        header = _text(cell).strip()
        if not header:
            keys.append(None)  # a column without a header is not read
            continue
        key = columns.get(header) or columns.get(re.sub(r"\s+", "", header), header)
        if key in keys:
            raise TableError(f"表头“{header}”重复出现（第1行）。", row=1)
        keys.append(key)
    return keys


def _text(value) -> str:
    """A cell as the text a user reads in it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


# --- .xlsx ------------------------------------------------------------------------------

def _xlsx_rows(stream: IO[bytes], sheet: str | None = None,
               max_rows: int | None = None) -> Iterator[tuple]:
    """The rows of one worksheet (default: the first), as cell values.

    python-calamine (a compiled reader) reads a sheet an order of magnitude faster than
    openpyxl, but it parses the whole sheet into one grid from its first to its last cell
    before the first row is handed out. It is used only for a sheet measured first
    (:func:`_sheet_fits`, one pass over its XML, stopped as soon as it does not fit): at most
    ``max_rows`` rows (header included) and a grid of at most ``MAX_GRID_CELLS``. Any other
    sheet — far over the row limit, with a cell at row 1,000,000 or column XFD, or one that
    cannot be measured — is read row by row (openpyxl's read-only mode), which stops at the
    limit and holds one row at a time."""
    _check_zip(stream)
    try:
        from python_calamine import CalamineWorkbook  # noqa: F401
    except ImportError:  # pragma: no cover - calamine is in requirements.txt
        yield from _openpyxl_rows(stream, sheet)
        return
    if not _sheet_fits(stream, sheet, max_rows):
        yield from _openpyxl_rows(stream, sheet)
        return
    yield from _calamine_rows(stream, sheet)


def _calamine_rows(stream: IO[bytes], sheet: str | None = None) -> Iterator[tuple]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(stream)
        names = book.sheet_names
        if not names:
            raise TableError("Excel文件中没有工作表。")
        name = sheet if sheet is not None else names[0]
        if name not in names:
            raise TableError(f"Excel文件中没有名为“{name}”的工作表。")
        rows = book.get_sheet_by_name(name).iter_rows()
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001 - zip, XML or reader failures: a damaged file
        raise TableError(NOT_XLSX) from exc
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - a damaged sheet part
            raise TableError(NOT_XLSX) from exc
        yield row


#: The largest grid (rows x columns, from A1 to the last cell) python-calamine may build for
#: one sheet (about 32 bytes a cell): the product sheet's 100,000 rows fit, a stray cell at
#: column XFD or at row 1,000,000 does not.
MAX_GRID_CELLS = 4_000_000
# The sheet's XML is measured with literal-prefixed patterns (fast): rows and cells as Excel,
# WPS, LibreOffice and openpyxl write them — unprefixed tags, the position ``r`` first. A
# sheet written otherwise is not measured but read row by row.
_ROW_TAG = re.compile(rb"<row(?=[\s/>])")
_ROW_NUMBER = re.compile(rb'<row r="([0-9]+)"')
_CELL_WITHOUT_REF = re.compile(rb'<c(?=[\s/>])(?! r=")')
_PREFIXED_TAG = re.compile(rb":(?:row|c|sheetData)[\s/>]")
_WIDE_CELL = re.compile(rb' r="[A-Z]{2,3}[0-9]')  # a cell beyond column Z
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
#: A sheet part must be UTF-8 XML without a document type (no entities to expand).
_XML_START = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<")
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _sheet_fits(stream: IO[bytes], sheet: str | None, max_rows: int | None) -> bool:
    """Is the sheet small enough to be parsed at once: at most ``max_rows`` rows, its last
    row and column within ``MAX_GRID_CELLS``? Measured from the sheet's XML itself (its
    ``<dimension>`` may be missing or wrong), streamed and stopped as soon as the answer is
    no; rows or cells without their position (``r``), or a part that cannot be found, are
    not guessed at: no."""
    try:
        with zipfile.ZipFile(stream) as archive:
            member = _sheet_member(archive, sheet)
            if member is None:
                return False
            rows = last_row = 0
            last_column = 26  # up to Z unless a wider cell is found
            tail = b""
            with archive.open(member) as part:
                first = True
                while True:
                    chunk = part.read(_CHUNK)
                    if first and not _XML_START.match(chunk):
                        return False  # not UTF-8 XML (UTF-16, say): not measured
                    first = False
                    buffer = tail + chunk
                    # complete tags only: a tag cannot hold "<", so cut before the last one
                    cut = len(buffer) if not chunk else buffer.rfind(b"<")
                    if cut <= 0 and chunk:
                        tail = buffer
                        if len(tail) > 8 * _CHUNK:
                            return False  # one text of megabytes: not measured
                        continue
                    text, tail = buffer[:cut], buffer[cut:]
                    if _DOCTYPE.search(text) or _PREFIXED_TAG.search(text) \
                            or _CELL_WITHOUT_REF.search(text):
                        return False
                    numbers = _ROW_NUMBER.findall(text)
                    if len(numbers) != len(_ROW_TAG.findall(text)):
                        return False  # a row without its position first
                    if numbers:
                        rows += len(numbers)
                        last_row = max(last_row, max(map(int, numbers)))
                    if _WIDE_CELL.search(text):
                        last_column = max(last_column, max(
                            _column_number(c) for c in set(_CELL_COLUMN.findall(text))))
                    if (max_rows is not None and max(rows, last_row) > max_rows) \
                            or last_row * last_column > MAX_GRID_CELLS:
                        return False
                    if not chunk:
                        return True
    except Exception:  # noqa: BLE001 - a damaged part: the row-by-row reader says so
        return False
    finally:
        stream.seek(0)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_member(archive: zipfile.ZipFile, sheet: str | None) -> str | None:
    """The archive path of the worksheet named ``sheet`` (default: the first), read from the
    package's relationships; None if it cannot be told."""
    import posixpath
    from xml.etree import ElementTree

    def relationships(path: str) -> dict[str, tuple[str, str]]:
        folder, name = posixpath.split(path)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        root = ElementTree.fromstring(archive.read(rels))
        found = {}
        for rel in root:
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") \
                else posixpath.normpath(posixpath.join(folder, target))
            found[rel.get("Id")] = (rel.get("Type", ""), target)
        return found

    workbook = next((target for kind, target in relationships("").values()
                     if kind.endswith("/officeDocument")), None)
    if workbook is None:
        return None
    targets = relationships(workbook)
    root = ElementTree.fromstring(archive.read(workbook))
    sheets = [element for element in root.iter() if _local(element.tag) == "sheet"]
    chosen = next((e for e in sheets if sheet is None or e.get("name") == sheet), None)
    if chosen is None:
        return None
    rel_id = next((value for key, value in chosen.attrib.items() if _local(key) == "id"), None)
    kind, target = targets.get(rel_id, ("", ""))
    return target if kind.endswith("/worksheet") and target in archive.namelist() else None


def sheet_names(stream: IO[bytes]) -> list[str]:
    """The worksheet names of an .xlsx upload (the stream is rewound)."""
    _check_zip(stream)
    try:
        from python_calamine import CalamineWorkbook

        names = list(CalamineWorkbook.from_filelike(stream).sheet_names)
    except ImportError:  # pragma: no cover
        import openpyxl

        stream.seek(0)
        book = openpyxl.load_workbook(stream, read_only=True)
        names = list(book.sheetnames)
        book.close()
    except Exception as exc:  # noqa: BLE001 - a damaged file
        raise TableError(NOT_XLSX) from exc
    finally:
        stream.seek(0)
    return names


def _check_zip(stream: IO[bytes]) -> None:
    """Refuse a damaged archive, or one whose parts unpack to more than we read."""
    try:
        with zipfile.ZipFile(stream) as archive:
            if any(info.file_size > MAX_XLSX_MEMBER_BYTES for info in archive.infolist()):
                raise TableError("Excel文件解压后过大，无法导入：请分批导入。")
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001 - not a zip archive
        raise TableError(NOT_XLSX) from exc
    finally:
        stream.seek(0)


def _openpyxl_book(stream: IO[bytes]):
    """``openpyxl.load_workbook(stream, read_only=True, data_only=True)``, except that its
    sheets are not sized when opened: openpyxl reads a sheet that has no ``<dimension>``
    whole to size it, and these are read row by row, stopped at the limit (and sized as they
    are read, ``reset_dimensions``). Chart sheets are left out, as ``worksheets`` does."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class UnsizedSheet(ReadOnlyWorksheet):
        def _get_size(self) -> None:
            return None

    class Reader(ExcelReader):
        def read_worksheets(self) -> None:
            for found, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                    continue
                worksheet = UnsizedSheet(self.wb, found.name, rel.target, self.shared_strings)
                worksheet.sheet_state = found.state
                self.wb._sheets.append(worksheet)

    reader = Reader(stream, read_only=True, data_only=True)
    reader.read()
    return reader.wb


def _openpyxl_rows(stream: IO[bytes], sheet: str | None = None) -> Iterator[tuple]:
    try:
        book = _openpyxl_book(stream)
    except Exception as exc:  # noqa: BLE001 - zip, XML or openpyxl failures: a damaged file
        raise TableError(NOT_XLSX) from exc
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise TableError(f"Excel文件中没有名为“{sheet}”的工作表。")
            sheet = book[sheet]
        else:
            sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise TableError("Excel文件中没有工作表。")
        # the recorded size of the sheet may be wrong (some programs write A1:A1): read all
        sheet.reset_dimensions()
        try:
            yield from sheet.iter_rows(values_only=True)
        except TableError:
            raise
        except GeneratorExit:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged sheet part
            raise TableError(NOT_XLSX) from exc
    finally:
        book.close()


# --- .csv -------------------------------------------------------------------------------

def _csv_rows(stream: IO[bytes]) -> Iterator[list[str]]:
    stream = _seekable(stream)
    encoding = detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        reader = csv.reader(text)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise TableError(UNKNOWN_ENCODING, row=reader.line_num + 1) from exc
            except csv.Error as exc:
                raise TableError(f"第{reader.line_num}行无法读取：CSV格式有误（如引号不成对或单元格过长）。",
                                 row=reader.line_num) from exc
            yield row
    finally:
        text.detach()


def _seekable(stream: IO[bytes]) -> IO[bytes]:
    if getattr(stream, "seekable", lambda: False)():
        return stream
    copy = tempfile.SpooledTemporaryFile(max_size=8 * _CHUNK)
    shutil.copyfileobj(stream, copy, _CHUNK)
    copy.seek(0)
    return copy


def detect_encoding(stream: IO[bytes]) -> str:
    """UTF-8 with or without BOM, else GB18030 (what Excel on Chinese Windows writes as
    "CSV"). The whole file is checked as UTF-8 before it is read, then rewound."""
    start = stream.tell()
    head = stream.read(len(codecs.BOM_UTF8))
    if head == codecs.BOM_UTF8:
        return "utf-8-sig"
    stream.seek(start)
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := stream.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            stream.seek(start)
        return encoding
    raise TableError(UNKNOWN_ENCODING)


# --- values -----------------------------------------------------------------------------

_SERIAL = re.compile(r"\d{1,6}(\.\d+)?")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y-%m-%d %H:%M:%S",
                 "%Y/%m/%d %H:%M:%S", "%Y年%m月%d日")


def parse_date(value) -> dt.date:
    """A date cell as read (``read_rows`` gives ISO text for date-formatted cells), typed
    text such as 2026-11-20 / 2026/11/20 / 20261120 / 2026年11月20日, or an Excel serial
    number (converted by openpyxl's own ``from_excel``)."""
    from openpyxl.utils.datetime import from_excel

    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if _SERIAL.fullmatch(text) and len(text.split(".")[0]) <= 6 and float(text) >= 1:
        converted = from_excel(float(text))
        return converted.date() if isinstance(converted, dt.datetime) else converted
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise FieldInvalid("日期格式不正确，应为YYYY-MM-DD，例如2026-11-20。")
