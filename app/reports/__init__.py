"""Official-table reports: declare a form once, render it as PDF or .xlsx."""
from app.reports.engine import (
    MIMETYPES,
    Column,
    HeaderField,
    ReportData,
    ReportDeclaration,
    ReportRenderError,
    render,
    render_pdf,
    render_xlsx,
)

__all__ = [
    "MIMETYPES",
    "Column",
    "HeaderField",
    "ReportData",
    "ReportDeclaration",
    "ReportRenderError",
    "render",
    "render_pdf",
    "render_xlsx",
]
