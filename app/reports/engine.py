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
* The page footer reads 「第 N 页 共 M 页」. M is the layout's own page count (one table
  per page), checked against the built PDF; only if a page spilled is the document built
  again with the real count (<pdf:pagecount/> would build every document twice).
* A declaration may name its annex (附件1) — printed above the title — and put header
  fields at the right of the header line (填报日期), as the paper forms do.
* Cells may hold dates and numbers: the .xlsx keeps them as such (序号 is a number, a
  ``date`` a date), the PDF prints their text. A ``phone`` column never wraps.
"""
from __future__ import annotations

import datetime as dt
import html
import io
import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from app.reports import print_setup

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
    """One table column; ``width`` is relative to the other columns. ``kind`` says what
    its cells hold: ``text``, ``date`` (a date cell in the .xlsx), ``number`` or ``phone``
    (text that never wraps across lines)."""

    key: str
    header: str
    width: float
    align: str = "center"
    kind: str = "text"

    def __post_init__(self) -> None:
        if self.align not in ("left", "center", "right"):
            raise ValueError(f"Column {self.key!r}: align must be left, center or right")
        if self.kind not in ("text", "date", "number", "phone"):
            raise ValueError(f"Column {self.key!r}: kind must be text, date, number or phone")
        if not self.width > 0:
            raise ValueError(f"Column {self.key!r}: width must be positive")


@dataclass(frozen=True)
class HeaderField:
    """A "label：value" item of the line above the table; ``right`` ones stand at its
    right end (填报日期 on the paper forms)."""

    label: str
    key: str
    right: bool = False


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
    #: The annex label printed above the title (附件1), as on the paper.
    annex: str | None = None
    #: A list export rather than an official form: columns as wide as their text (capped),
    #: printed landscape as many pages wide as they need (``print_setup.list_setup``).
    list_export: bool = False

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
    if isinstance(value, dt.datetime):
        value = f"{value:%Y-%m-%d %H:%M}"
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


def _header_line(decl: ReportDeclaration, data: ReportData, gap: str,
                 right: bool | None = None) -> str:
    """The header fields as one line; ``right`` True/False: only the right/left ones."""
    return gap.join(
        f"{f.label}：{cell_text(data.header.get(f.key))}" for f in decl.header_fields
        if right is None or f.right == right
    )


_display_width = print_setup.display_width


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
_ANNEX_SIZE = 12.0

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
    widths = [fixed if c.key == _SEQ_KEY else c.width * scale for c in cols]
    # A phone number never breaks: its column fits eleven digits, the others give way.
    phone = pdfmetrics.stringWidth("13800000000", PDF_FONT, _CELL_SIZE) + 2 * _PAD_X + 4
    short = [i for i, c in enumerate(cols) if c.kind == "phone" and widths[i] < phone]
    if short:
        need = sum(phone - widths[i] for i in short)
        others = [i for i, c in enumerate(cols) if c.key != _SEQ_KEY and i not in short]
        pool = sum(widths[i] for i in others)
        for i in others:
            widths[i] -= need * widths[i] / pool
        for i in short:
            widths[i] = phone
    return widths


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


def _pdf_html(decl: ReportDeclaration, data: ReportData,
              total_pages: int | None = None) -> tuple[str, int]:
    """(document, pages the layout expects). The footer names ``total_pages`` when given,
    else the engine's own page count (one table per page, plus one if the notes may spill)."""
    page_w, page_h = (_A4[1], _A4[0]) if decl.landscape else _A4
    frame_w = page_w - 2 * _MARGIN_X
    frame_h = page_h - _MARGIN_TOP - _MARGIN_BOTTOM
    cols = _columns(decl)
    rows = _table_rows(decl, data)
    widths = _col_widths(cols, frame_w, len(rows))

    head_h = _row_height([c.header for c in cols], widths, _CELL_SIZE)
    title_lines = _line_count(decl.title, frame_w, _TITLE_SIZE)
    header_line = _header_line(decl, data, "\u00a0" * 4)
    head_left = _header_line(decl, data, "\u00a0" * 4, right=False)
    head_right = _header_line(decl, data, "\u00a0" * 4, right=True)
    above = title_lines * _TITLE_SIZE * _LEADING + 8  # title + its margin
    if decl.annex:
        above += _ANNEX_SIZE * _LEADING + 2
    if header_line:
        above += max(_line_count(head_left or " ", frame_w * 0.65, _HEAD_SIZE),
                     _line_count(head_right or " ", frame_w * 0.35, _HEAD_SIZE)
                     ) * _HEAD_SIZE * _LEADING + 6
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
    expected = max(len(tables), 1)
    total = total_pages or expected
    footer = f"第 <pdf:pagenumber/> 页 共 {total} 页"
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
p.annex {{ font-size: {_ANNEX_SIZE}pt; margin: 0 0 2pt 0; line-height: {_LEADING}; }}
table.head {{ width: {frame_w}pt; margin: 0 0 6pt 0; }}
table.head td {{ border: 0; padding: 0; font-size: {_HEAD_SIZE}pt; line-height: {_LEADING};
                 -pdf-word-wrap: CJK; vertical-align: bottom; }}
p.notes-gap {{ margin: 0; font-size: 4pt; }}
#page-footer {{ text-align: center; font-size: 9pt; }}
"""
    head_block = (
        '<table class="head"><tr>'
        f'<td class="left" style="width:{frame_w * 0.65:.2f}pt">{html.escape(head_left)}</td>'
        f'<td class="right" style="width:{frame_w * 0.35:.2f}pt">{html.escape(head_right)}</td>'
        "</tr></table>"
    ) if header_line else ""
    annex_block = f'<p class="annex">{html.escape(decl.annex)}</p>' if decl.annex else ""
    notes_block = f'<p class="notes-gap">\u00a0</p>{notes}' if notes else ""
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"/>"
        f"<style>{css}</style></head><body>"
        f'<div id="page-footer">{footer}</div>'
        f"{annex_block}<h1>{cell_html(cell_text(decl.title))}</h1>{head_block}"
        + "<pdf:nextpage/>".join(tables)
        + notes_block
        + "</body></html>"
    ), expected


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
        Table,
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

    story = []
    if decl.annex:  # 附件1 above the title, as on the paper
        story.append(Paragraph(html.escape(decl.annex), style(_ANNEX_SIZE, spaceAfter=2)))
    story.append(Paragraph(markup(cell_text(decl.title)),
                           style(_TITLE_SIZE, TA_CENTER, spaceAfter=8)))
    header_line = _header_line(decl, data, "\u00a0" * 4)
    head_left = _header_line(decl, data, "\u00a0" * 4, right=False)
    head_right = _header_line(decl, data, "\u00a0" * 4, right=True)
    if header_line:  # the filer on the left, 填报日期 at the right of the same line
        head_table = Table(
            [[Paragraph(html.escape(head_left), style(_HEAD_SIZE)),
              Paragraph(html.escape(head_right), style(_HEAD_SIZE, TA_RIGHT))]],
            colWidths=[frame_w * 0.65, frame_w * 0.35])
        head_table.setStyle(TableStyle([
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
        story += [head_table, Spacer(1, 6)]
    # One table per page, packed by the estimated row heights (as the HTML layout does): no
    # table is ever split and re-measured from its remainder, so the time is linear in the
    # rows. A page the estimate got wrong still spills over with its header (repeatRows).
    page_h_frame = page_h - _MARGIN_TOP - _MARGIN_BOTTOM
    head_h = _row_height([c.header for c in cols], widths, _CELL_SIZE)
    above = _line_count(decl.title, frame_w, _TITLE_SIZE) * _TITLE_SIZE * _LEADING + 8
    if decl.annex:
        above += _ANNEX_SIZE * _LEADING + 2
    if header_line:
        above += max(_line_count(head_left or " ", frame_w * 0.65, _HEAD_SIZE),
                     _line_count(head_right or " ", frame_w * 0.35, _HEAD_SIZE)
                     ) * _HEAD_SIZE * _LEADING + 6
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

    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        """「第N页 共M页」: pages are kept until the document is complete, then each gets its
        footer with the real count (ReportLab's deferred-page recipe: one build, and a page
        the estimate got wrong still counts)."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 - ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.saveState()
                self.setFont(PDF_FONT, 9)
                self.drawCentredString(page_w / 2, 20,
                                       f"第 {self.getPageNumber()} 页 共 {total} 页")
                self.restoreState()
                super().showPage()
            super().save()

    from reportlab import rl_config

    rl_config.useA85 = 0  # streams stay compressed; ASCII85 only made them longer and slower
    out = io.BytesIO()
    doc = BaseDocTemplate(out, pagesize=(page_w, page_h), title=cell_text(decl.title),
                          author="CCC免办管理控制台")
    frame = Frame(_MARGIN_X, _MARGIN_BOTTOM, frame_w, page_h_frame, leftPadding=0,
                  rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(frames=[frame])])
    doc.build(story, canvasmaker=NumberedCanvas)
    return out.getvalue()


_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def pdf_page_count(pdf: bytes) -> int:
    """Pages of a PDF written by ReportLab (uncompressed page objects)."""
    return len(_PAGE_OBJECT.findall(pdf))


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
_XLSX_SIZE = 10.5
_XLSX_LINE = 14.5  # points per line of 10.5pt text
_DATE_FORMAT = "yyyy-mm-dd"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MINUTE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?")
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def _xlsx_width(texts: list[str]) -> float:
    """Column width a text column wants: widest line in display units + 2."""
    return max(print_setup.widest_line(texts) + 2, print_setup.MIN_WIDTH)


def xlsx_line_count(text: str, width: float) -> int:
    usable = max(width - 1, 1)
    return sum(max(1, -(-_display_width(line) // int(usable))) for line in text.split("\n"))


def _xlsx_widths(decl: ReportDeclaration, cols: list[Column], rows: list[list[str]]) -> list[float]:
    """Widths that fit the printable width of A4 at 100 % (official tables: filled to the
    page, text wraps; list exports: each column as wide as its text up to a cap)."""
    minimums, wanted = [], []
    for i, c in enumerate(cols):
        header_min = print_setup.widest_line([c.header]) + 2
        if c.key == _SEQ_KEY:
            need = max(len(str(len(rows))) + 2, 6)
            minimums.append(need)
            wanted.append(need)
            continue
        texts = [r[i] for r in rows]
        if c.kind == "phone":
            need = max(print_setup.PHONE_WIDTH, _xlsx_width(texts), header_min)
            minimums.append(need)
            wanted.append(need)
        elif c.kind in ("date", "number"):
            need = max(12.0 if c.kind == "date" else 8.0, header_min, _xlsx_width(texts))
            minimums.append(need)
            wanted.append(need)
        else:
            longest = _xlsx_width([c.header] + texts)
            # wrap a long header or value rather than widen the column past its share
            minimums.append(min(max(header_min, print_setup.MIN_WIDTH),
                                print_setup.LIST_MAX_WIDTH))
            wanted.append(min(longest, print_setup.LIST_MAX_WIDTH) if decl.list_export
                          else longest)
    weights = [c.width if c.key != _SEQ_KEY else 0.0001 for c in cols]
    if decl.list_export:
        return [round(max(m, w), 1) for m, w in zip(minimums, wanted)]
    total = print_setup.page_units(decl.landscape)
    widths = print_setup.fit_widths(weights, minimums, wanted, total)
    spare = total - sum(widths)
    if spare > 0.5:  # fill the page as the paper form does
        grow = [i for i, c in enumerate(cols) if c.key != _SEQ_KEY]
        share = sum(weights[i] for i in grow)
        for i in grow:
            widths[i] = round(widths[i] + spare * weights[i] / share, 1)
    return widths


def _xlsx_value(col: Column, source: object, text: str, sniff_dates: bool = False):
    """The value a cell holds: 序号 and numbers as numbers, dates as dates, else text. A list
    export's cells arrive as text: ``sniff_dates`` turns ISO dates and times back into dates."""
    if text == "":
        return None
    if sniff_dates and col.key != _SEQ_KEY:
        try:
            if _ISO_DATE.fullmatch(text):
                return dt.date.fromisoformat(text)
            if _ISO_MINUTE.fullmatch(text):
                return dt.datetime.fromisoformat(text)
        except ValueError:  # 2026-02-30 typed by someone stays text
            return text
    if col.key == _SEQ_KEY:
        return int(text) if text.isdigit() else text
    if col.kind in ("date", "text"):
        if isinstance(source, dt.datetime):
            return source.replace(tzinfo=None)
        if isinstance(source, dt.date):
            return source
        if col.kind == "date" and _ISO_DATE.fullmatch(text):
            return dt.date.fromisoformat(text)
    if col.kind == "number" and isinstance(source, (int, float)) and not isinstance(source, bool):
        return source
    return text


def render_xlsx(decl: ReportDeclaration, data: ReportData) -> bytes:
    """Render the report as an .xlsx sheet laid out like the paper form."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    cols = _columns(decl)
    rows = _table_rows(decl, data)
    ncols = len(cols)
    last = get_column_letter(ncols)
    top = 2 if decl.annex else 1  # the title's row
    header_row = top + 2  # title, header block, column headers
    first_data = header_row + 1

    wb = Workbook()
    ws = wb.active
    ws.title = re.sub(r"[\[\]:*?/\\]", "", cell_text(decl.title))[:31] or decl.code[:31]

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = Font(name=_XLSX_FONT, size=_XLSX_SIZE)
    aligns = [
        Alignment(horizontal="center" if c.key == _SEQ_KEY else c.align,
                  vertical="center", wrap_text=c.kind != "phone")
        for c in cols
    ]
    widths = _xlsx_widths(decl, cols, rows)

    if decl.annex:
        annex = ws.cell(row=1, column=1, value=decl.annex)
        annex.font = Font(name=_XLSX_FONT, size=12)
        annex.alignment = Alignment(horizontal="left", vertical="center")
        ws.row_dimensions[1].height = 20

    ws.merge_cells(f"A{top}:{last}{top}")
    title = ws.cell(row=top, column=1, value=cell_text(decl.title))
    title.font = Font(name=_XLSX_FONT, size=16, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[top].height = 22 * xlsx_line_count(cell_text(decl.title),
                                                         sum(widths) * 10.5 / 16) + 8

    # The header line: left fields over the left part, right ones (填报日期) at the right end.
    head_row = top + 1
    left_text = _header_line(decl, data, "    ", right=False)
    right_text = _header_line(decl, data, "    ", right=True)
    split = ncols
    if right_text:
        room = _display_width(right_text) + 2
        split = ncols - 1
        while split > 1 and sum(widths[split - 1:]) < room:
            split -= 1
    ws.merge_cells(start_row=head_row, start_column=1, end_row=head_row, end_column=split)
    head = ws.cell(row=head_row, column=1, value=left_text)
    head.font = font
    head.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
    if right_text:
        if split + 1 < ncols:
            ws.merge_cells(start_row=head_row, start_column=split + 1, end_row=head_row,
                           end_column=ncols)
        cell = ws.cell(row=head_row, column=split + 1, value=right_text)
        cell.font = font
        cell.alignment = Alignment(horizontal="right", vertical="center")
    ws.row_dimensions[head_row].height = max(
        20, _XLSX_LINE * xlsx_line_count(left_text, sum(widths[:split])) + 4)

    head_font = Font(name=_XLSX_FONT, size=_XLSX_SIZE, bold=True)
    head_fill = PatternFill("solid", fgColor="E8E8E8")
    head_align = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, c in enumerate(cols, start=1):
        cell = ws.cell(row=header_row, column=i, value=c.header)
        cell.font, cell.fill, cell.border, cell.alignment = (
            head_font, head_fill, border, head_align)
    head_lines = max(xlsx_line_count(c.header, w) for c, w in zip(cols, widths))
    ws.row_dimensions[header_row].height = 15 * head_lines + 4

    sources = list(data.rows) + [{}] * (len(rows) - len(data.rows))
    for r, (values, source) in enumerate(zip(rows, sources), start=first_data):
        lines = 1
        group = GROUP in source
        for i, (col, text) in enumerate(zip(cols, values), start=1):
            raw = None if group or col.key == _SEQ_KEY else source.get(col.key)
            cell = ws.cell(row=r, column=i)
            value = _xlsx_value(col, raw, text, decl.list_export)
            if isinstance(value, str):
                cell.value = value
                if cell.data_type == "f":  # "=..." typed by a user is text, not a formula
                    cell.data_type = "s"
            else:
                cell.value = value
                if isinstance(value, dt.datetime):
                    cell.number_format = _DATETIME_FORMAT
                elif isinstance(value, dt.date):
                    cell.number_format = _DATE_FORMAT
            cell.font, cell.border, cell.alignment = font, border, aligns[i - 1]
            if col.kind != "phone":
                lines = max(lines, xlsx_line_count(text, widths[i - 1]))
        if lines > 1:
            ws.row_dimensions[r].height = _XLSX_LINE * lines + 2

    row = first_data + len(rows) + 1  # one blank row before the notes
    for note in decl.footnotes:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        cell = ws.cell(row=row, column=1, value=cell_text(note))
        cell.font = font
        cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
        lines = xlsx_line_count(cell_text(note), sum(widths))
        if lines > 1:
            ws.row_dimensions[row].height = _XLSX_LINE * lines + 2
        row += 1

    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w

    setup = (print_setup.list_setup(widths, header_row) if decl.list_export
             else print_setup.official_setup(decl.landscape, header_row, header_row))
    print_setup.apply_openpyxl(ws, setup)
    ws.freeze_panes = ws.cell(row=first_data, column=1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- dispatch


def render(decl: ReportDeclaration, data: ReportData, fmt: str) -> tuple[bytes, str, str]:
    """Render in ``fmt`` ("pdf" or "xlsx"): (content, mimetype, download filename)."""
    renderers = {"pdf": render_pdf, "xlsx": render_xlsx}
    if fmt not in renderers:
        raise ValueError(f"unsupported report format {fmt!r}; use 'pdf' or 'xlsx'")
    return renderers[fmt](decl, data), MIMETYPES[fmt], f"{decl.code}.{fmt}"
