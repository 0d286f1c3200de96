"""Official-table report engine: one declaration -> A4 PDF and .xlsx.

Government forms (账号调整需求信息报表, 账号使用人信息汇总表, checklists ...) are declared
once as a :class:`ReportDeclaration` and rendered by :func:`render_pdf` (xhtml2pdf) or
:func:`render_xlsx` (pandas + openpyxl); :func:`render` picks one by format name.

PDF notes
---------
* The Chinese font is WenQuanYi Micro Hei, shipped in ``fonts/`` and embedded as a
  subset, so the file prints the same everywhere. ReportLab's built-in CID fonts
  (STSong-Light) are never embedded and print blank on machines without them; Noto
  CJK (CFF outlines) cannot be loaded by ReportLab at all.
* Characters the font lacks (rare 生僻字 outside GBK, emoji) are silently dropped
  from the PDF; xhtml2pdf only logs a warning. The .xlsx keeps them.
* The font has no bold face and ReportLab does not synthesise one, so "bold" maps
  to the regular face; the title stands out by size instead.
* xhtml2pdf lays out one long <table> in time quadratic in its rows (it re-splits
  the remainder on every page), so rows are packed into one table per page here,
  using ReportLab's own line breaker to estimate row heights, and each table
  repeats the column header. Every table also marks its header as <thead>, so a
  page the estimate got wrong still spills over with a header.
* The page footer shows "第 N 页" only: <pdf:pagecount/> would double build time.
"""
from __future__ import annotations

import html
import io
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

__all__ = [
    "GROUP",
    "Column",
    "HeaderField",
    "ReportDeclaration",
    "ReportData",
    "ReportRenderError",
    "render",
    "render_pdf",
    "render_xlsx",
    "MIMETYPES",
]

log = logging.getLogger(__name__)

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
#: ReportLab's name for the face, and the CSS font-family that reaches it.
PDF_FONT = "WQYMicroHei"
CSS_FONT = "wqy-microhei"

MIMETYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_SEQ_KEY = "\x00seq"  # cannot collide with a declared column key
#: A row ``{GROUP: "南京市（…）"}`` is a group heading: its text stands in the first declared
#: column, the other cells stay empty and it takes no 序号 (roll-ups grouped by city).
GROUP = "\x00group"


# --------------------------------------------------------------------------- declaration


@dataclass(frozen=True)
class Column:
    """One table column; ``width`` is relative to the other columns."""

    key: str
    header: str
    width: float
    align: str = "center"

    def __post_init__(self) -> None:
        if self.align not in ("left", "center", "right"):
            raise ValueError(f"Column {self.key!r}: align must be left, center or right")
        if not self.width > 0:
            raise ValueError(f"Column {self.key!r}: width must be positive")


@dataclass(frozen=True)
class HeaderField:
    """A "label：value" item of the line above the table."""

    label: str
    key: str


@dataclass(frozen=True)
class ReportDeclaration:
    """Everything about a report except its data; one per official form."""

    code: str
    title: str
    header_fields: tuple[HeaderField, ...]
    columns: tuple[Column, ...]
    footnotes: tuple[str, ...] = ()
    landscape: bool = True
    sequence_column: str | None = "序号"
    min_rows: int = 0

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", self.code):
            raise ValueError("ReportDeclaration.code must be an ascii file-name stem")
        if not self.columns:
            raise ValueError("ReportDeclaration needs at least one column")
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError("ReportDeclaration column keys must be unique")


@dataclass
class ReportData:
    """Values of one rendering: header values by field key, rows by column key."""

    header: dict[str, str] = field(default_factory=dict)
    rows: list[dict[str, object]] = field(default_factory=list)


class ReportRenderError(RuntimeError):
    """xhtml2pdf reported a failure (it does not always raise)."""


# --------------------------------------------------------------------------- shared helpers



def cell_text(value: object) -> str:
    """Cell text: None -> "", newlines normalised, control characters removed."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return ILLEGAL_CHARACTERS_RE.sub("", text)  # XML 1.0 forbids them (openpyxl's own list)


def _columns(decl: ReportDeclaration) -> list[Column]:
    """Declared columns, with the engine's 序号 column in front when asked for."""
    cols = list(decl.columns)
    if decl.sequence_column:
        cols.insert(0, Column(_SEQ_KEY, decl.sequence_column, 0.0001))
    return cols


def _table_rows(decl: ReportDeclaration, data: ReportData) -> list[list[str]]:
    """Row texts in column order, numbered and padded to ``min_rows``."""
    rows: list[list[str]] = []
    groups = sum(1 for r in data.rows if GROUP in r)
    count = max(len(data.rows), decl.min_rows + groups)
    seq = 0
    for i in range(count):
        source = data.rows[i] if i < len(data.rows) else {}
        if GROUP in source:
            cells = [cell_text(source[GROUP])] + [""] * (len(decl.columns) - 1)
            if decl.sequence_column:
                cells.insert(0, "")
            rows.append(cells)
            continue
        seq += 1
        cells = [cell_text(source.get(c.key)) for c in decl.columns]
        if decl.sequence_column:
            cells.insert(0, str(seq))
        rows.append(cells)
    return rows


def _header_line(decl: ReportDeclaration, data: ReportData, gap: str) -> str:
    return gap.join(
        f"{f.label}：{cell_text(data.header.get(f.key))}" for f in decl.header_fields
    )


def _display_width(text: str) -> int:
    """Spreadsheet display width: wide (CJK) characters count 2, others 1."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


# --------------------------------------------------------------------------- PDF

# Geometry in points. A4 = 595.28 x 841.89.
_A4 = (595.28, 841.89)
_MARGIN_X = 40.0
_MARGIN_TOP = 36.0
_MARGIN_BOTTOM = 46.0  # the footer frame lives inside this
_TITLE_SIZE = 16.0
_HEAD_SIZE = 10.5
_CELL_SIZE = 10.0
_NOTE_SIZE = 10.0
_LEADING = 1.3  # line-height as a multiple of the font size
_PAD_Y = 2.0
_PAD_X = 3.0
_SEQ_WIDTH = 30.0  # points; fits 序号 and four digits, widened for more

_font_lock = threading.Lock()


def ensure_font() -> None:
    """Register the shipped CJK face with ReportLab and map it into xhtml2pdf.

    xhtml2pdf copies ``default.DEFAULT_FONT`` into every document, so adding the
    family there makes ``font-family: wqy-microhei`` resolve without @font-face
    (which refuses font files outside the working directory).
    """
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from xhtml2pdf import default

    with _font_lock:
        if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(PDF_FONT, str(FONT_PATH), subfontIndex=0))
            # No bold/italic faces exist; map every style to the regular one.
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(PDF_FONT, bold, italic, PDF_FONT)
        default.DEFAULT_FONT[CSS_FONT] = PDF_FONT


def _line_count(text: str, width: float, size: float) -> int:
    """Lines ReportLab needs for ``text`` in ``width`` points (CJK wrapping)."""
    from reportlab.lib.textsplit import wordSplit

    lines = 0
    for part in text.split("\n"):
        lines += len(wordSplit(part, width, PDF_FONT, size)) if part else 1
    return max(lines, 1)


def _col_widths(cols: list[Column], frame_width: float, row_count: int) -> list[float]:
    """Point widths: the 序号 column fits its largest number, the rest share the
    remaining width in proportion to ``Column.width``."""
    from reportlab.pdfbase import pdfmetrics

    fixed = 0.0
    if cols and cols[0].key == _SEQ_KEY:
        digits = pdfmetrics.stringWidth(str(max(row_count, 1)), PDF_FONT, _CELL_SIZE)
        fixed = max(_SEQ_WIDTH, digits + 2 * _PAD_X + 4)
    rel = [c.width for c in cols if c.key != _SEQ_KEY]
    scale = (frame_width - fixed) / sum(rel)
    return [fixed if c.key == _SEQ_KEY else c.width * scale for c in cols]


def _row_height(cells: list[str], widths: list[float], size: float) -> float:
    text_widths = [w - 2 * _PAD_X - 1.0 for w in widths]
    lines = max(_line_count(t, w, size) for t, w in zip(cells, text_widths))
    return lines * size * _LEADING + 2 * _PAD_Y + 1.0


def cell_html(text: str) -> str:
    """Escaped cell markup. Lines become <div>s: xhtml2pdf's CJK line breaker
    ignores <br/>. Runs of spaces (姓  名) are kept as no-break spaces."""
    lines = [
        html.escape(re.sub(r" {2,}", lambda m: "\u00a0" * len(m.group()), line))
        for line in text.split("\n")
    ]
    if len(lines) == 1:
        return lines[0]
    return "".join(f"<div>{line or '&#160;'}</div>" for line in lines)


def _paginate(
    rows: list[list[str]], widths: list[float], first_room: float, room: float
) -> list[list[list[str]]]:
    """Pack rows into pages by estimated height; every page gets at least one row."""
    pages: list[list[list[str]]] = [[]]
    left = first_room
    for row in rows:
        height = _row_height(row, widths, _CELL_SIZE)
        if pages[-1] and height > left:
            pages.append([])
            left = room
        pages[-1].append(row)
        left -= height
    return pages


def _pdf_html(decl: ReportDeclaration, data: ReportData) -> str:
    page_w, page_h = (_A4[1], _A4[0]) if decl.landscape else _A4
    frame_w = page_w - 2 * _MARGIN_X
    frame_h = page_h - _MARGIN_TOP - _MARGIN_BOTTOM
    cols = _columns(decl)
    rows = _table_rows(decl, data)
    widths = _col_widths(cols, frame_w, len(rows))

    head_h = _row_height([c.header for c in cols], widths, _CELL_SIZE)
    title_lines = _line_count(decl.title, frame_w, _TITLE_SIZE)
    header_line = _header_line(decl, data, "\u00a0" * 4)
    above = title_lines * _TITLE_SIZE * _LEADING + 8  # title + its margin
    if header_line:
        above += _line_count(header_line, frame_w, _HEAD_SIZE) * _HEAD_SIZE * _LEADING + 6
    # A small margin for the estimate, which measured within 1pt per row.
    safety = 3.0
    room = frame_h - head_h - safety
    pages = _paginate(rows, widths, room - above, room) if rows else []

    colgroup = "".join(f'<col width="{w:.2f}pt"/>' for w in widths)
    head = "".join(
        f'<th style="width:{w:.2f}pt">{cell_html(c.header)}</th>'
        for c, w in zip(cols, widths)
    )
    aligns = ["center" if c.key == _SEQ_KEY else c.align for c in cols]
    tables = []
    for page_rows in pages:
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="{a}">{cell_html(t)}</td>' for t, a in zip(row, aligns)
            )
            + "</tr>"
            for row in page_rows
        )
        tables.append(
            f"<table>{colgroup}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    if not tables:  # no rows at all: still print the header row
        tables.append(f"<table>{colgroup}<thead><tr>{head}</tr></thead></table>")

    notes = "".join(f'<div class="note">{cell_html(cell_text(n))}</div>' for n in decl.footnotes)
    orientation = "landscape" if decl.landscape else "portrait"
    css = f"""
@page {{
  size: a4 {orientation};
  margin: {_MARGIN_TOP}pt {_MARGIN_X}pt {_MARGIN_BOTTOM}pt {_MARGIN_X}pt;
  @frame footer {{
    -pdf-frame-content: page-footer;
    left: {_MARGIN_X}pt; width: {frame_w}pt;
    bottom: 14pt; height: 20pt;
  }}
}}
html, body, p, div, table, th, td {{ font-family: {CSS_FONT}; }}
body {{ font-size: {_CELL_SIZE}pt; line-height: {_LEADING}; }}
h1 {{ font-size: {_TITLE_SIZE}pt; font-weight: bold; text-align: center;
      margin: 0 0 8pt 0; line-height: {_LEADING}; -pdf-word-wrap: CJK; }}
p.head {{ font-size: {_HEAD_SIZE}pt; margin: 0 0 6pt 0; -pdf-word-wrap: CJK; }}
table {{ width: {frame_w}pt; }}
th, td {{ border: 0.6pt solid #000; padding: {_PAD_Y}pt {_PAD_X}pt;
          vertical-align: middle; -pdf-word-wrap: CJK; word-break: break-all;
          font-size: {_CELL_SIZE}pt; line-height: {_LEADING}; }}
th {{ text-align: center; font-weight: bold; background-color: #e8e8e8; }}
td.left {{ text-align: left; }}
td.center {{ text-align: center; }}
td.right {{ text-align: right; }}
div.note {{ font-size: {_NOTE_SIZE}pt; margin: 0; -pdf-word-wrap: CJK; }}
p.notes-gap {{ margin: 0; font-size: 4pt; }}
#page-footer {{ text-align: center; font-size: 9pt; }}
"""
    head_block = f'<p class="head">{html.escape(header_line)}</p>' if header_line else ""
    notes_block = f'<p class="notes-gap">\u00a0</p>{notes}' if notes else ""
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"/>"
        f"<style>{css}</style></head><body>"
        '<div id="page-footer">第 <pdf:pagenumber/> 页</div>'
        f"<h1>{cell_html(cell_text(decl.title))}</h1>{head_block}"
        + "<pdf:nextpage/>".join(tables)
        + notes_block
        + "</body></html>"
    )


def render_pdf(decl: ReportDeclaration, data: ReportData) -> bytes:
    """Render the report as an A4 PDF with the CJK font embedded.

    Drawn with ReportLab's platypus directly (issue 15): one ``LongTable`` whose header row
    repeats on every page, in time linear in its rows (a 3,000-row table took 18 s through
    xhtml2pdf, which parses and lays out HTML cell by cell). The look is the xhtml2pdf one
    of :func:`_pdf_html` (kept for reference and for forms that need HTML): same page,
    margins, font, sizes, borders, header shading, footer "第 N 页" numbered across the
    whole file."""
    ensure_font()  # the layout measures text with the font's metrics
    try:
        return _platypus_pdf(decl, data)
    except Exception as exc:  # noqa: BLE001 - said as the engine's own error, naming the report
        raise ReportRenderError(f"ReportLab failed rendering {decl.code!r}: {exc}") from exc


def _platypus_pdf(decl: ReportDeclaration, data: ReportData) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        LongTable,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
        TableStyle,
    )

    page_w, page_h = (_A4[1], _A4[0]) if decl.landscape else _A4
    frame_w = page_w - 2 * _MARGIN_X
    cols = _columns(decl)
    rows = _table_rows(decl, data)
    widths = _col_widths(cols, frame_w, len(rows))
    aligns = ["center" if c.key == _SEQ_KEY else c.align for c in cols]
    enum = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}

    def style(size: float, align=TA_LEFT, **kw) -> ParagraphStyle:
        return ParagraphStyle(f"s{size}{align}", fontName=PDF_FONT, fontSize=size,
                              leading=size * _LEADING, alignment=align, wordWrap="CJK", **kw)

    cell_styles = {a: style(_CELL_SIZE, enum[a]) for a in enum}
    head_style = style(_CELL_SIZE, TA_CENTER)
    inner = [w - 2 * _PAD_X for w in widths]

    def markup(text: str) -> str:
        return "<br/>".join(html.escape(line).replace("  ", "\u00a0\u00a0")
                            for line in text.split("\n"))

    def cell(text: str, i: int):
        # a short one-line text is drawn as a string (fast); anything else wraps
        if "\n" not in text and stringWidth(text, PDF_FONT, _CELL_SIZE) <= inner[i] - 1:
            return text
        return Paragraph(markup(text), cell_styles[aligns[i]])

    head_row = [Paragraph(markup(c.header), head_style) for c in cols]
    commands = [
        ("FONT", (0, 0), (-1, -1), PDF_FONT, _CELL_SIZE, _CELL_SIZE * _LEADING),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD_X), ("RIGHTPADDING", (0, 0), (-1, -1), _PAD_X),
        ("TOPPADDING", (0, 0), (-1, -1), _PAD_Y),
        ("BOTTOMPADDING", (0, 0), (-1, -1), _PAD_Y + 1.0),  # = the estimate's row height
    ]
    for i, align in enumerate(aligns):
        commands.append(("ALIGN", (i, 1), (i, -1), align.upper()))
    table_style = TableStyle(commands)

    story = [Paragraph(markup(cell_text(decl.title)),
                       style(_TITLE_SIZE, TA_CENTER, spaceAfter=8))]
    header_line = _header_line(decl, data, "\u00a0" * 4)
    if header_line:
        story.append(Paragraph(html.escape(header_line), style(_HEAD_SIZE, spaceAfter=6)))
    # One table per page, packed by the estimated row heights (as the HTML layout does): no
    # table is ever split and re-measured from its remainder, so the time is linear in the
    # rows. A page the estimate got wrong still spills over with its header (repeatRows).
    page_h_frame = page_h - _MARGIN_TOP - _MARGIN_BOTTOM
    head_h = _row_height([c.header for c in cols], widths, _CELL_SIZE)
    above = _line_count(decl.title, frame_w, _TITLE_SIZE) * _TITLE_SIZE * _LEADING + 8
    if header_line:
        above += _line_count(header_line, frame_w, _HEAD_SIZE) * _HEAD_SIZE * _LEADING + 6
    room = page_h_frame - head_h - 3.0  # the same safety margin as the HTML layout
    pages = _paginate(rows, widths, room - above, room) if rows else [[]]
    for number, page_rows in enumerate(pages):
        if number:
            story.append(PageBreak())
        table = LongTable([head_row] + [[cell(t, i) for i, t in enumerate(row)]
                                        for row in page_rows],
                          colWidths=widths, repeatRows=1)
        table.setStyle(table_style)
        story.append(table)
    if decl.footnotes:
        story.append(Spacer(1, 4))
        story += [Paragraph(markup(cell_text(n)), style(_NOTE_SIZE)) for n in decl.footnotes]

    def footer(canvas, _doc) -> None:
        canvas.saveState()
        canvas.setFont(PDF_FONT, 9)
        canvas.drawCentredString(page_w / 2, 20, f"第 {canvas.getPageNumber()} 页")
        canvas.restoreState()

    from reportlab import rl_config

    rl_config.useA85 = 0  # streams stay compressed; ASCII85 only made them longer and slower
    out = io.BytesIO()
    doc = BaseDocTemplate(out, pagesize=(page_w, page_h), title=cell_text(decl.title),
                          author="CCC免办管理控制台")
    frame = Frame(_MARGIN_X, _MARGIN_BOTTOM, frame_w, page_h_frame, leftPadding=0,
                  rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(frames=[frame], onPage=footer)])
    doc.build(story)
    return out.getvalue()


def html_to_pdf(source: str, what: str) -> bytes:
    """Run xhtml2pdf on a document of ours: embedded CJK font, no file or URL access, and a
    failure reported in ``status.err`` raised as :class:`ReportRenderError` naming ``what``."""
    from xhtml2pdf import pisa

    ensure_font()
    out = io.BytesIO()
    options: dict[str, object] = {}
    try:  # this xhtml2pdf build has resource policies; upstream releases do not
        from xhtml2pdf.config.resources import ResourceAccessPolicy
    except ImportError:
        pass
    else:  # the document references no files or URLs; deny them all
        options["resource_policy"] = ResourceAccessPolicy(allow_remote=False, base_dir=None)
    status = pisa.CreatePDF(source, dest=out, encoding="utf-8", **options)
    if status.err:
        raise ReportRenderError(f"xhtml2pdf failed rendering {what!r}: {status.log}")
    return out.getvalue()


# --------------------------------------------------------------------------- XLSX

_XLSX_FONT = "宋体"
_XLSX_MAX_WIDTH = 50


def _xlsx_width(texts: list[str]) -> float:
    """Column width: widest line in display units + 2, capped."""
    widest = max((_display_width(line) for t in texts for line in t.split("\n")), default=0)
    return min(max(widest + 2, 6), _XLSX_MAX_WIDTH)


def xlsx_line_count(text: str, width: float) -> int:
    usable = max(width - 1, 1)
    return sum(max(1, -(-_display_width(line) // int(usable))) for line in text.split("\n"))


def render_xlsx(decl: ReportDeclaration, data: ReportData) -> bytes:
    """Render the report as an .xlsx sheet laid out like the paper form."""
    import pandas as pd
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    cols = _columns(decl)
    rows = _table_rows(decl, data)
    ncols = len(cols)
    last = get_column_letter(ncols)
    header_row = 3  # 1 title, 2 header block, 3 column headers
    first_data = header_row + 1

    # Everything is a string, so phone numbers and codes stay text.
    frame = pd.DataFrame(rows, columns=range(ncols), dtype=object)
    buf = io.BytesIO()
    sheet = re.sub(r"[\[\]:*?/\\]", "", cell_text(decl.title))[:31] or decl.code[:31]
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet, index=False, header=False,
                       startrow=first_data - 1)
        ws = writer.sheets[sheet]

        thin = Side(style="thin", color="000000")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        font = Font(name=_XLSX_FONT, size=10.5)
        aligns = [
            Alignment(horizontal="center" if c.key == _SEQ_KEY else c.align,
                      vertical="center", wrap_text=True)
            for c in cols
        ]
        widths = [
            _xlsx_width([c.header] + [r[i] for r in rows]) for i, c in enumerate(cols)
        ]

        ws.merge_cells(f"A1:{last}1")
        title = ws.cell(row=1, column=1, value=cell_text(decl.title))
        title.font = Font(name=_XLSX_FONT, size=16, bold=True)
        title.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.row_dimensions[1].height = 30

        ws.merge_cells(f"A2:{last}2")
        head = ws.cell(row=2, column=1, value=_header_line(decl, data, "    "))
        head.font = Font(name=_XLSX_FONT, size=10.5)
        head.alignment = Alignment(horizontal="left", vertical="center")
        ws.row_dimensions[2].height = 20

        head_font = Font(name=_XLSX_FONT, size=10.5, bold=True)
        head_fill = PatternFill("solid", fgColor="E8E8E8")
        head_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for i, c in enumerate(cols, start=1):
            cell = ws.cell(row=header_row, column=i, value=c.header)
            cell.font, cell.fill, cell.border, cell.alignment = (
                head_font, head_fill, border, head_align)
        head_lines = max(xlsx_line_count(c.header, w) for c, w in zip(cols, widths))
        ws.row_dimensions[header_row].height = 15 * head_lines + 4

        for r, values in enumerate(rows, start=first_data):
            lines = 1
            for i, text in enumerate(values, start=1):
                cell = ws.cell(row=r, column=i)
                if text == "":
                    cell.value = None
                elif cell.data_type == "f":  # "=..." typed by a user is text, not a formula
                    cell.data_type = "s"
                cell.font, cell.border, cell.alignment = font, border, aligns[i - 1]
                lines = max(lines, xlsx_line_count(text, widths[i - 1]))
            if lines > 1:
                ws.row_dimensions[r].height = 14.5 * lines + 2

        row = first_data + len(rows) + 1  # one blank row before the notes
        for note in decl.footnotes:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
            cell = ws.cell(row=row, column=1, value=cell_text(note))
            cell.font = font
            cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
            lines = xlsx_line_count(cell_text(note), sum(widths))
            if lines > 1:
                ws.row_dimensions[row].height = 14.5 * lines + 2
            row += 1

        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w

        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if decl.landscape else "portrait"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.5
        ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.7
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.oddFooter.center.text = "第 &P 页"
        ws.freeze_panes = ws.cell(row=first_data, column=1)
    return buf.getvalue()


# --------------------------------------------------------------------------- dispatch


def render(decl: ReportDeclaration, data: ReportData, fmt: str) -> tuple[bytes, str, str]:
    """Render in ``fmt`` ("pdf" or "xlsx"): (content, mimetype, download filename)."""
    renderers = {"pdf": render_pdf, "xlsx": render_xlsx}
    if fmt not in renderers:
        raise ValueError(f"unsupported report format {fmt!r}; use 'pdf' or 'xlsx'")
    return renderers[fmt](decl, data), MIMETYPES[fmt], f"{decl.code}.{fmt}"
