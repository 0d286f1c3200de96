"""Use cases that are not workflow steps, as command objects (after Apache Superset's
``commands/<area>/<use case>.py``): ``validate()`` refuses with a ``DomainError`` before
anything is written, ``run()`` does the work, and :meth:`Command.execute` runs both inside the
one transaction boundary (``app.transaction.write_transaction``) — committed together, or not
at all. Doors (console views, REST resources, CLI) call commands; commands call services and
workflows."""
from __future__ import annotations

from typing import Any

from app.scope import acting_as
from app.transaction import write_transaction


class Command:
    #: Foreign-key refusals of this command mean "still referenced" (deletions).
    deleting: bool = False
    #: Who the command runs for ("current": the signed-in user of this request).
    user: Any = "current"

    def validate(self) -> None:
        """Refuse (raise a ``DomainError``) before anything is written."""

    def run(self) -> Any:
        raise NotImplementedError

    def execute(self) -> Any:
        if self.user == "current":
            with write_transaction(deleting=self.deleting):
                self.validate()
                return self.run()
        with acting_as(self.user), write_transaction(deleting=self.deleting):
            self.validate()
            return self.run()
