"""Saving and deleting records, for every door (console forms, REST API, imports): one path
through the record's refusal, the user's scope, the optimistic lock and the rules its area
declares (``app.services.records``)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.commands import Command
from app.extensions import db
from app.services import records


class SaveRecord(Command):
    """Create ``item`` (transient) or save the changes made to it (loaded in scope).

    ``apply`` (optional) sets the new values inside the transaction, after the version check:
    nothing is changed on a record whose version is stale. ``expected_version`` is the
    ``lock_version`` the user read (a console form's hidden field, the API's ``If-Match``);
    ``precondition`` makes a stale one answer 412 instead of 409."""

    def __init__(self, item, *, creating: bool, apply: Callable[[Any], None] | None = None,
                 expected_version=None, precondition: bool = False, user: Any = "current"):
        self.item = item
        self.creating = creating
        self.apply = apply
        self.expected_version = expected_version
        self.precondition = precondition
        self.user = user

    def validate(self) -> None:
        if not self.creating:
            records.check_version(self.item, self.expected_version,
                                  precondition=self.precondition)
        if self.apply is not None:
            with db.session.no_autoflush:
                self.apply(self.item)
        records.prepare(self.item, creating=self.creating)

    def run(self):
        db.session.add(self.item)
        db.session.flush()
        records.saved(self.item)
        return self.item


class DeleteRecord(Command):
    deleting = True

    def __init__(self, item, *, expected_version=None, precondition: bool = False,
                 user: Any = "current"):
        self.item = item
        self.expected_version = expected_version
        self.precondition = precondition
        self.user = user

    def validate(self) -> None:
        records.check_version(self.item, self.expected_version, precondition=self.precondition)
        records.prepare_deletion(self.item)

    def run(self) -> None:
        db.session.delete(self.item)
        db.session.flush()


def create_record(item, user: Any = "current"):
    """Create one record through the common path (services, seeds and tests use it too)."""
    return SaveRecord(item, creating=True, user=user).execute()
