"""List exports (.xlsx and .csv): what a user sees in a list, with every detail column, for
the rows their filters and their scope select.

Exports stream (issue 15): rows come in batches from the caller's iterator and go straight
to the file, so memory stays flat however many rows there are. The .csv is written to the
response as it is read; the .xlsx goes to a temporary file, which is then sent and deleted:
openpyxl's write-only mode saves the workbook (title, header, styles, print set-up) with a
marker row where the data goes, and the data rows are streamed in as sheet XML text while
the file is copied (:func:`write_xlsx`). There is no row cap below Excel's own sheet limit
(:data:`XLSX_MAX_DATA_ROWS`); beyond it the caller says so and offers .csv.

``page_setup`` (optional) is applied to the .xlsx worksheet before any row is written: a
hook for the print set-up of list exports (paper, orientation, repeated header rows...).
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator

from app import clock
from app.reports import print_setup
from app.reports.engine import MIMETYPES, cell_text

XLSX_MIMETYPE = MIMETYPES["xlsx"]
CSV_MIMETYPE = "text/csv; charset=utf-8"

#: Excel's rows per sheet (1,048,576) less the title, header block and column-header rows.
EXCEL_SHEET_ROWS = 1_048_576
XLSX_HEADER_ROWS = 3
XLSX_MAX_DATA_ROWS = EXCEL_SHEET_ROWS - XLSX_HEADER_ROWS

#: A spreadsheet takes a CSV cell starting with one of these for a formula (OWASP, "CSV
#: Injection"): = + - @, and tab or carriage return.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d,]*(\.\d+)?")

Progress = Callable[[int], None]
PageSetup = Callable[[object], None]


def neutralise_formula(text: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading single quote, as OWASP
    recommends, so it opens as the text it is; plain numbers such as ``-5`` stay numbers."""
    if text and text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def export_filename(title: str, fmt: str) -> str:
    return f"{title}_{clock.now():%Y%m%d%H%M}.{fmt}"


def too_many_for_excel(total: int) -> str | None:
    """The Chinese refusal of an .xlsx export over Excel's sheet limit, else None."""
    if total <= XLSX_MAX_DATA_ROWS:
        return None
    return (f"符合条件的记录共{total:,}条，超过Excel单个工作表的上限（{XLSX_MAX_DATA_ROWS:,}条），"
            "无法导出为Excel：请缩小筛选范围分批导出，或改用“导出CSV”（不限行数，可用Excel打开）。")


# --- .csv -------------------------------------------------------------------------------

class _Line(io.StringIO):
    """A one-line buffer for ``csv.writer``: write, take the text, start again."""

    def take(self) -> str:
        text = self.getvalue()
        self.seek(0)
        self.truncate()
        return text


def csv_chunks(labels: list[str], rows: Iterable[list[str]], progress: Progress | None = None,
               every: int = 1000) -> Iterator[bytes]:
    """The .csv as UTF-8 byte chunks (BOM first: Excel on Chinese Windows opens it without
    garbling), one chunk per ``every`` rows; formula-like cells neutralised."""
    line = _Line()
    out = csv.writer(line, lineterminator="\r\n")
    out.writerow([neutralise_formula(str(x)) for x in labels])
    yield ("\ufeff" + line.take()).encode("utf-8")
    count = 0
    triggers = frozenset("".join(FORMULA_TRIGGERS))
    for row in rows:
        # most cells are text that starts with no formula trigger: written as they are
        out.writerow([cell if type(cell) is str and (not cell or cell[0] not in triggers)
                      else neutralise_formula(str(cell)) for cell in row])
        count += 1
        if count % every == 0:
            yield line.take().encode("utf-8")
            if progress:
                progress(count)
    tail = line.take()
    if tail:
        yield tail.encode("utf-8")
    if progress:
        progress(count)


# --- .xlsx ------------------------------------------------------------------------------

_FONT = "宋体"
_SIZE = 10.5
#: The first rows of a list set its column widths (the sheet is streamed: widths come first).
_WIDTH_SAMPLE = 500
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MINUTE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?")
_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def list_widths(labels: list[str], sample: list[list[str]]) -> list[float]:
    """序号 then each column as wide as its header and its (sampled) text, up to the cap a
    list export prints at (longer text wraps)."""
    widths = [max(len(str(len(sample))) + 2, print_setup.MIN_WIDTH)]
    for i, label in enumerate(labels):
        header_min = print_setup.widest_line([label]) + 2
        longest = max(print_setup.widest_line([label] + [r[i] for r in sample if i < len(r)]) + 2,
                      print_setup.MIN_WIDTH)
        low = min(max(header_min, print_setup.MIN_WIDTH), print_setup.LIST_MAX_WIDTH)
        widths.append(round(max(low, min(longest, print_setup.LIST_MAX_WIDTH)), 1))
    return widths


def write_xlsx(target, title: str, labels: list[str], rows: Iterable[list[str]], *,
               header: str = "", widths: list[float] | None = None,
               page_setup: PageSetup | None = None, progress: Progress | None = None,
               every: int = 1000) -> int:
    """Write the list to ``target`` (a path or a binary file): title row, header line (unit,
    user, time, count), bold column headers (序号 first), then one plain row per record —
    dates as date cells, everything else as the text shown. Printed landscape on A4, as many
    pages wide as the columns need at 100 %, the column header and 序号 repeated
    (``print_setup.list_setup``); ``page_setup`` may add to it (an openpyxl write-only
    worksheet; the data rows take no row formatting from it). Returns the number of data
    rows written.

    openpyxl's write-only workbook is saved with everything but the data rows (a marker row
    in their place); :func:`_fill_in` then copies it into ``target``, the data rows streamed
    in as sheet XML text made by :class:`_LeanRows` (no openpyxl cell object per cell)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.indexed_list import IndexedList

    rows = iter(rows)
    sample = [[cell_text(str(c)) if c is not None else "" for c in row]
              for row in itertools.islice(rows, _WIDTH_SAMPLE)]
    book = Workbook(write_only=True)
    # The workbook's default font is the list's font: plain cells (nearly all) carry no style
    # of their own and stream at full speed, yet print in 宋体 10.5 like the official tables.
    book._fonts = IndexedList([Font(name=_FONT, size=_SIZE)])
    sheet_name = re.sub(r"[\[\]:*?/\\]", "", cell_text(title))[:31] or "Sheet1"
    ws = book.create_sheet(sheet_name)
    labels = ["序号", *labels]
    ncols = len(labels)
    widths = widths or list_widths(labels[1:], sample)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"B{XLSX_HEADER_ROWS + 1}"
    print_setup.apply_openpyxl(ws, print_setup.list_setup(widths, XLSX_HEADER_ROWS))
    if page_setup is not None:
        page_setup(ws)
    last = get_column_letter(ncols)
    ws.merged_cells.add(f"A1:{last}1")
    ws.merged_cells.add(f"A2:{last}2")

    def styled(value, font, align=None, fill=None):
        cell = WriteOnlyCell(ws, value=value)
        cell.font = font
        if align is not None:
            cell.alignment = align
        if fill is not None:
            cell.fill = fill
        return cell

    ws.append([styled(cell_text(title), Font(name=_FONT, size=16, bold=True),
                      Alignment(horizontal="center", vertical="center"))])
    ws.append([styled(cell_text(header), Font(name=_FONT, size=10.5))])
    head_font = Font(name=_FONT, size=10.5, bold=True)
    head_fill = PatternFill("solid", fgColor="E8E8E8")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.append([styled(cell_text(str(x)), head_font, center, head_fill) for x in labels])
    # the data cells' few styles, numbered in the workbook before it is saved
    wrap = Alignment(wrap_text=True, vertical="center")
    style_ids = {}
    for name, attr, value in (("date", "number_format", _DATE_FORMAT),
                              ("datetime", "number_format", _DATETIME_FORMAT),
                              ("wrap", "alignment", wrap)):
        cell = WriteOnlyCell(ws)
        setattr(cell, attr, value)
        style_ids[name] = f"{cell.style_id}"
    # where the data rows go: the workbook is saved with a marker row in their place, then
    # copied into ``target`` with the rows streamed in instead of the marker
    marker = f"ccc-data-rows-{os.urandom(8).hex()}"
    ws.append([marker])
    skeleton = io.BytesIO()
    book.save(skeleton)
    # a text longer than its column wraps (the only cells that carry a style)
    lean = _LeanRows(style_ids, [int(w) - 1 for w in widths[1:]], book.epoch)
    letters = [get_column_letter(i) for i in range(2, max(ncols, len(widths)) + 2)]
    count = 0

    def data_rows() -> Iterator[str]:
        nonlocal count, letters
        for row in itertools.chain(sample, rows):
            count += 1
            # 序号 a number, dates date cells, every other cell the text shown (codes and
            # phone numbers stay as typed), never a formula
            if len(row) >= len(letters):
                letters = [get_column_letter(i) for i in range(2, len(row) + 2)]
            yield lean.row(XLSX_HEADER_ROWS + count, count, row, letters)
            if progress and count % every == 0:
                progress(count)

    _fill_in(skeleton, target, ws.path.lstrip("/"), marker, data_rows())
    if progress:
        progress(count)
    return count


#: Anything in a row's text that needs more than writing it as it is: a carriage return or a
#: character XML 1.0 forbids (removed, as ``cell_text`` does), or one XML escapes.
_NEEDS_CARE = re.compile(r"[\r&<>\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Data rows put in the file at a time.
_ROWS_CHUNK = 1000
#: Distinct date texts whose cell is kept (dates repeat from row to row).
_DATE_MEMO_CAP = 100_000


def _fill_in(skeleton: io.BytesIO, target, sheet: str, marker: str,
             rows: Iterator[str]) -> None:
    """Copy the saved workbook ``skeleton`` into ``target`` (a path or a binary file), the
    marker row of ``sheet`` replaced by ``rows`` (sheet XML, written as they come)."""
    import zipfile

    with zipfile.ZipFile(skeleton) as source, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != sheet:
                out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            at = data.index(marker.encode("ascii"))
            start, end = data.rindex(b"<row ", 0, at), data.index(b"</row>", at) + len(b"</row>")
            with out.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(data[:start])
                while chunk := list(itertools.islice(rows, _ROWS_CHUNK)):
                    fh.write("".join(chunk).encode("utf-8"))
                fh.write(data[end:])


class _LeanRows:
    """Data rows as sheet XML text, the cells decided as openpyxl decides them — text as an
    inline string, dates as date numbers with their format, 序号 a number — without an
    openpyxl cell object per cell: one scan of a row's text decides whether any cell needs
    cleaning (``cell_text``) or escaping, and each distinct date is worked out once."""

    def __init__(self, style_ids: dict[str, str], fits: list[int], epoch):
        from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
        from openpyxl.compat import safe_string
        from openpyxl.utils.datetime import to_excel

        self.errors, self.to_excel = frozenset(ERROR_CODES), to_excel
        self.illegal, self.number = ILLEGAL_CHARACTERS_RE, safe_string
        self.epoch = epoch  # the workbook's (1900 date system)
        self.fits, self.nfits = fits, len(fits)
        self.ids = style_ids
        self.dates: dict[str, tuple[str, str]] = {}

    def row(self, row_idx: int, number: int, values, letters) -> str:
        r = f"{row_idx}"
        parts = [f'<row r="{r}"><c r="A{r}" t="n"><v>{number}</v></c>']
        texts = [v if type(v) is str else ("" if v is None else str(v)) for v in values]
        careful = _NEEDS_CARE.search("\n".join(texts)) is not None
        fits, nfits, wrap = self.fits, self.nfits, self.ids["wrap"]
        for i, text in enumerate(texts):
            if careful:
                text = cell_text(text)
            if not text:
                continue
            ref = letters[i] + r
            if text[0].isdigit() and len(text) in (10, 16, 19):
                cell = self._date(text)
                if cell is not None:
                    parts.append(f'<c r="{ref}" s="{cell[1]}" t="n"><v>{cell[0]}</v></c>')
                    continue
            if len(text) > 32767:
                text = text[:32767]  # openpyxl's check_string
            if careful and self.illegal.search(text):
                from openpyxl.utils.exceptions import IllegalCharacterError

                raise IllegalCharacterError(f"{text} cannot be used in worksheets.")
            style = f' s="{wrap}"' if len(text) * 2 > (fits[i] if i < nfits else 0) else ""
            if text[0] == "#" and text in self.errors:
                parts.append(f'<c r="{ref}"{style} t="e"><v>{text}</v></c>')
                continue
            space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
            if careful:
                text = _escape(text)
            # "=..." typed by a user is text, never a formula
            parts.append(f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>')
        parts.append("</row>")
        return "".join(parts)

    def _date(self, text: str) -> tuple[str, str] | None:
        """(the date's number, its style id) when ``text`` is a date or a date and time."""
        found = self.dates.get(text)
        if found is not None:
            return found
        if not (_ISO_DATE.fullmatch(text) or _ISO_MINUTE.fullmatch(text)):
            return None
        try:
            day = (dt.date.fromisoformat(text) if len(text) == 10
                   else dt.datetime.fromisoformat(text))
        except ValueError:  # 2026-02-30 typed by someone stays text
            return None
        found = (self.number(self.to_excel(day, self.epoch)),
                 self.ids["date" if len(text) == 10 else "datetime"])
        if len(self.dates) < _DATE_MEMO_CAP:
            self.dates[text] = found
        return found


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xlsx_file(title: str, labels: list[str], rows: Iterable[list[str]], **kw) -> str:
    """:func:`write_xlsx` into a new temporary file; returns its path (the caller deletes
    it once sent: see :func:`file_chunks`)."""
    handle, path = tempfile.mkstemp(prefix="ccc-export-", suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(path, title, labels, rows, **kw)
    except BaseException:
        os.unlink(path)
        raise
    return path


def file_chunks(path: str, size: int = 256 * 1024) -> Iterator[bytes]:
    """Read a file in chunks for a streamed response, deleting it at the end."""
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(size):
                yield chunk
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def export_table(code: str, title: str, labels: list[str], rows: list[list[str]], fmt: str,
                 exported_by: str, bureau: str, total: int) -> tuple[bytes, str, str]:
    """(content, mimetype, download file name) of a small list held in memory (kept for
    callers that build their rows themselves; the console's list export streams)."""
    filename = export_filename(title, fmt)
    if fmt == "csv":
        return b"".join(csv_chunks(labels, rows)), CSV_MIMETYPE, filename
    if fmt != "xlsx":
        raise ValueError(fmt)
    buf = io.BytesIO()
    write_xlsx(buf, title, labels, rows,
               header=export_header(bureau, exported_by, total, len(rows)))
    return buf.getvalue(), XLSX_MIMETYPE, filename


def export_header(bureau: str, user: str, total: int, written: int | None = None) -> str:
    count = f"{total}" if written is None or written == total else f"{total}（导出前{written}条）"
    return (f"导出单位：{bureau}    导出人：{user}    导出时间：{clock.now():%Y-%m-%d %H:%M}"
            f"    记录数：{count}")
