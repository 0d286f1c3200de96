"""Opening an inspection for recording: its checklist points are laid out then, not at the
draw (a draw of 10,000 candidate units would otherwise write some 6,500 empty answers that
most years nobody opens at once)."""
from __future__ import annotations

from typing import Any

from app.commands import Command
from app.domain.errors import DomainError
from app.enums import InspectionState
from app.extensions import db
from app.models import Inspection, InspectionAnswer
from app.services import supervision as rules


class LayOutChecklist(Command):
    """One empty answer per point of a pending inspection's checklist, stored once: whoever
    opens it first lays them out, a second opener at the same moment finds them laid out."""

    def __init__(self, inspection_id: int, user: Any = "current"):
        self.inspection_id = inspection_id
        self.user = user

    def run(self) -> int:
        return rules.lay_out_answers(self.inspection_id)


def open_for_recording(inspection: Inspection | None, may_record: bool) -> None:
    """Lay out a pending inspection's checklist if it is not yet, when someone who may record
    its answers opens it (a read-only role's reading writes nothing: it is shown the points
    laid out, unsaved, by ``answers_of``); a duplicate refused by the unique key (another
    opener won) is simply read again."""
    if inspection is None or not may_record or inspection.state is not InspectionState.pending \
            or rules.answers_laid_out(inspection):
        return
    pk = inspection.id
    try:
        LayOutChecklist(pk).execute()
    except DomainError:
        db.session.rollback()
        stored = db.session.query(InspectionAnswer.point_code).filter(
            InspectionAnswer.inspection_id == pk).count()
        if stored < len(inspection.checklist.checklist.points):
            raise
    db.session.expire(inspection, ["answers"])
