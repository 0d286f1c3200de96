"""How a sheet prints: one place for the page set-up of every .xlsx the console writes.

Either openpyxl workbook (normal or write-only) can call these: the functions only compute
numbers (:func:`fit_widths`, :func:`pages_wide`) or set the page set-up of a worksheet
(:func:`apply_openpyxl`) from a :class:`PageSetup`.

Widths are in Excel's character units (the width of a digit of the workbook's default
font, Calibri 11: about 5.3 pt). A wide (CJK) character takes two of them. The widths are
chosen so the table fits the printable width of an A4 page at 100 %: the printed text keeps
its font size (10.5 pt, never under 9 pt) and long Chinese text wraps inside its column
instead of widening it.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

#: The paper-size code of A4 in SpreadsheetML.
PAPER_A4 = 9
#: Excel's footer codes: &P page number, &N number of pages.
XLSX_FOOTER = "第 &P 页 共 &N 页"
#: The same footer in xhtml2pdf markup.
PDF_FOOTER_HTML = "第 <pdf:pagenumber/> 页 共 <pdf:pagecount/> 页"

#: Margins in inches (left/right, top, bottom; header/footer distance).
MARGIN_X = 0.5
MARGIN_TOP = 0.6
MARGIN_BOTTOM = 0.7
MARGIN_FOOTER = 0.3

#: Printable width of A4 in character units, with the margins above. A unit is about
#: 5.3 pt in Excel (Calibri) but up to 7 pt where the spreadsheet program lacks Calibri and
#: measures with a wider fallback (LibreOffice with DejaVu Sans): these widths print at
#: 100 % in the first case and still at ≥ 9 pt (of 10.5) in the second.
A4_LANDSCAPE_UNITS = 124.0
A4_PORTRAIT_UNITS = 84.0

#: A column never gets narrower than this (a two-character header fits).
MIN_WIDTH = 6.0
#: Width of an 11-digit mobile number with its padding: it never wraps.
PHONE_WIDTH = 13.5
#: The widest a list-export column gets; longer text wraps.
LIST_MAX_WIDTH = 30.0


def display_width(text: str) -> int:
    """Spreadsheet display width: wide (CJK) characters count 2, others 1."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def widest_line(texts) -> int:
    return max((display_width(line) for t in texts for line in str(t).split("\n")), default=0)


def page_units(landscape: bool) -> float:
    return A4_LANDSCAPE_UNITS if landscape else A4_PORTRAIT_UNITS


def fit_widths(weights: list[float], minimums: list[float], wanted: list[float],
               total: float) -> list[float]:
    """Widths summing to at most ``total``: each column gets at least its minimum, at most
    what its longest text wants, and the rest is shared in proportion to ``weights``
    (the declared relative widths). Columns whose text is short give their share away."""
    widths = [max(m, 0.0) for m in minimums]
    caps = [max(w, m) for w, m in zip(wanted, widths)]
    left = total - sum(widths)
    growing = [i for i in range(len(widths)) if caps[i] > widths[i]]
    while left > 0.01 and growing:
        share = sum(weights[i] for i in growing)
        step = {i: left * weights[i] / share for i in growing}
        left = 0.0
        still = []
        for i in growing:
            room = caps[i] - widths[i]
            if step[i] >= room:
                widths[i] = caps[i]
                left += step[i] - room
            else:
                widths[i] += step[i]
                still.append(i)
        growing = still
    return [round(w, 1) for w in widths]


def pages_wide(widths: list[float], landscape: bool = True) -> int:
    """Pages across a table of ``widths`` needs at 100 % (at least one)."""
    return max(1, math.ceil(sum(widths) / page_units(landscape) - 1e-6))


@dataclass(frozen=True)
class PageSetup:
    """A4, orientation, scaling to ``fit_width`` pages across (as many down as needed),
    rows repeated on every page, margins and the 「第N页 共M页」 footer."""

    landscape: bool = True
    fit_width: int = 1
    title_rows: tuple[int, int] | None = None   # 1-based first and last row repeated
    title_cols: tuple[int, int] | None = None   # 1-based first and last column repeated
    center: bool = True
    footer: str = XLSX_FOOTER


def official_setup(landscape: bool, header_first: int, header_last: int) -> PageSetup:
    """An official table: one page wide, its column header repeated on every page."""
    return PageSetup(landscape=landscape, fit_width=1, title_rows=(header_first, header_last))


def list_setup(widths: list[float], header_row: int) -> PageSetup:
    """A list export: landscape, as many pages wide as the columns need at 100 %, the
    column header and the first column repeated on every page."""
    wide = pages_wide(widths, True)
    return PageSetup(landscape=True, fit_width=wide, title_rows=(header_row, header_row),
                     title_cols=(1, 1) if wide > 1 else None, center=wide == 1)


def apply_openpyxl(ws, setup: PageSetup) -> None:
    """Set ``setup`` on an openpyxl worksheet (normal or write-only)."""
    from openpyxl.utils import get_column_letter

    ws.page_setup.paperSize = PAPER_A4
    ws.page_setup.orientation = "landscape" if setup.landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = setup.fit_width
    ws.page_setup.fitToHeight = 0
    ws.page_setup.pageOrder = "overThenDown"
    ws.print_options.horizontalCentered = setup.center
    ws.page_margins.left = ws.page_margins.right = MARGIN_X
    ws.page_margins.top, ws.page_margins.bottom = MARGIN_TOP, MARGIN_BOTTOM
    ws.page_margins.footer = MARGIN_FOOTER
    if setup.title_rows:
        ws.print_title_rows = f"{setup.title_rows[0]}:{setup.title_rows[1]}"
    if setup.title_cols:
        first, last = (get_column_letter(c) for c in setup.title_cols)
        ws.print_title_cols = f"{first}:{last}"
    ws.oddFooter.center.text = setup.footer
    ws.oddFooter.center.size = 9
