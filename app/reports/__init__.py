"""Official-table reports: declare a form once, render it as PDF or .xlsx; list exports.

A layer below the doors and ``app.fab``, above commands (see ``app``): a report may read
commands, workflows, services, models and the base; the console screens and the REST API call
it, and nothing below imports it. Its data comes from services (queries and rules); the report
only lays it out, with the texts of ``app.present``.
"""
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
