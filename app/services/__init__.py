"""Rules and queries, one module per area (applications, certificates, fast_track, accounts,
annual_reports, calendar, ...). Importing the package loads every area, so that the rules
they declare for saving records (``records.on_save``) and the values they derive for models
(``meta.derived``) are in place before any door runs."""
from app.services import (  # noqa: F401
    accounts,
    annual_reports,
    applications,
    certificates,
    fast_track,
    supervision,
)
