"""Every kind of bulk import, by its name (the API resource)."""
from __future__ import annotations

from app.services.imports.applications import ApplicationImport, ApplicationProductsImport
from app.services.imports.base import ImportKind, Plan, RowError, RowsRefused
from app.services.imports.customs import CustomsUsageImport
from app.services.imports.fast_track import FastTrackLinesImport
from app.services.imports.records import AccountImport, CertificateImport, EnterpriseImport
from app.services.imports.reference import BureauImport, CalendarDayImport, CccCategoryImport

KINDS: dict[str, type[ImportKind]] = {kind.name: kind for kind in (
    ApplicationImport, ApplicationProductsImport, CertificateImport, EnterpriseImport,
    AccountImport, CustomsUsageImport, CccCategoryImport, CalendarDayImport, BureauImport,
    FastTrackLinesImport)}

#: the kinds answering at ``POST /api/v1/<resource>/import`` (DESIGN §5)
API_KINDS = ("application", "certificate", "enterprise", "account", "customs_usage",
             "ccc_category", "calendar_day", "product", "bureau")

__all__ = ["API_KINDS", "KINDS", "ImportKind", "Plan", "RowError", "RowsRefused"]
