"""Building upload files for import tests: .xlsx with named sheets, CSV in any encoding."""
from __future__ import annotations

import contextlib
import csv
import io

import openpyxl


def xlsx(*sheets: tuple[str, list[list]]) -> io.BytesIO:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> io.BytesIO:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return io.BytesIO(text.getvalue().encode(encoding))


@contextlib.contextmanager
def as_user(app, user):
    """Run as ``user`` within a request (the scope of a district officer applies)."""
    from app.scope import acting_as

    with app.test_request_context("/"), acting_as(user):
        yield
