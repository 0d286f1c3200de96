"""What every door (console form, REST API) checks and does before a record is saved.

One place, so the console and the API cannot drift apart: the record's own refusal (e.g. an
application already submitted), the user's scope (the record's owner and every record it
links to), then what creating or changing that kind of record means in the domain (a number,
a snapshot, a ban, a quantity rule). Workflow steps have their own door (``run_step``)."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import MANYTOONE

from app.domain.errors import RuleViolation
from app.extensions import db
from app.models import (AnnualAccountReport, Application, CustomsUsage, FastTrackGrant, Inspection,
                        UsageRecord)
from app.scope import ensure_in_scope


def follow_foreign_keys(item) -> None:
    """A write may set ids (``grant_id``), not relations: point each many-to-one relation at
    the record its id names, so that rules reading the relation see the record written to."""
    for rel in sa_inspect(type(item)).relationships:
        if rel.direction is not MANYTOONE or len(rel.local_columns) != 1:
            continue
        (column,) = rel.local_columns
        key = sa_inspect(type(item)).get_property_by_column(column).key
        wanted = getattr(item, key)
        current = getattr(item, rel.key)
        current_id = sa_inspect(current).identity[0] if current is not None \
            and sa_inspect(current).identity else None
        if wanted is not None and wanted != current_id:
            setattr(item, rel.key, db.session.get(rel.mapper.class_, wanted))


def _number_application(item: Application) -> None:
    from app.services.numbering import next_application_number

    if not item.number:
        item.number = next_application_number(item.bureau or item.bureau_id)


def _open_annual_report(item: AnnualAccountReport) -> None:
    from app.workflows.annual_report import refuse_duplicate, snapshot_lines

    refuse_duplicate(item.bureau.id if item.bureau else item.bureau_id, item.year)
    snapshot_lines(item)  # saved with the report, in the same transaction


def _refuse_banned_unit(item: FastTrackGrant) -> None:
    from app.workflows.fast_track import refuse_if_banned

    refuse_if_banned(item.enterprise.id if item.enterprise else item.enterprise_id)


def _open_inspection(item) -> None:
    from app.services.supervision import open_inspection

    open_inspection(item)


def _record_usage(item: UsageRecord) -> None:
    from app.services.certificates import record_usage

    record_usage(item)


def _record_customs_usage(item: CustomsUsage) -> None:
    from app.services.certificates import record_customs_usage

    record_customs_usage(item)


ON_CREATE: dict[type, Callable] = {
    Application: _number_application,
    AnnualAccountReport: _open_annual_report,
    FastTrackGrant: _refuse_banned_unit,
    UsageRecord: _record_usage,
    CustomsUsage: _record_customs_usage,
    Inspection: _open_inspection,
}
ON_UPDATE: dict[type, Callable] = {
    UsageRecord: _record_usage,
}


def prepare_write(item, creating: bool) -> None:
    """Refuse (``DomainError``) or complete ``item`` before it is saved."""
    with db.session.no_autoflush:  # nothing half-built reaches the database
        follow_foreign_keys(item)
        refusal = getattr(item, "editing_refusal", lambda: None)()
        if refusal:
            raise RuleViolation(refusal)
        ensure_in_scope(item)
    rule = (ON_CREATE if creating else ON_UPDATE).get(type(item))
    if rule is not None:
        rule(item)
