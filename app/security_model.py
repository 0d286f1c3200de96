"""Roles of the console (DESIGN §1) and how a view declares which of them may use it.

Permissions are generated from these declarations (``app.security.ensure_roles``), so a new
view states its access once, beside its columns, and the permission-matrix test picks it up.
"""
from __future__ import annotations

import dataclasses
import enum


class Role(enum.Enum):
    """Console roles. The value is the role name stored in Flask-AppBuilder (shown in Chinese)."""

    province_admin = "省级管理员"
    province_reviewer = "省级审核员"
    district_officer = "区局经办人"
    auditor = "只读"

    @property
    def label(self) -> str:
        return self.value

    @property
    def province_wide(self) -> bool:
        return self is not Role.district_officer


PROVINCE_WIDE_ROLES = frozenset(r for r in Role if r.province_wide)
ALL_ROLES = frozenset(Role)
#: Who files and submits records (a district for its own, the province for any).
FILERS = frozenset({Role.district_officer, Role.province_admin})
DISTRICT_OFFICERS = frozenset({Role.district_officer})
PROVINCE_ADMINS = frozenset({Role.province_admin})
PROVINCE_REVIEWERS = frozenset({Role.province_reviewer})

# Flask-AppBuilder permission names, grouped by what they let a user do.
READ_PERMISSIONS = frozenset({"can_list", "can_show", "can_get", "can_info", "can_export",
                              "can_download", "can_history"})
WRITE_PERMISSIONS = frozenset({"can_add", "can_edit", "can_post", "can_put"})
DELETE_PERMISSIONS = frozenset({"can_delete"})


#: The write doors a record type may have: new records, edits, deletion.
ALL_DOORS = frozenset({"add", "edit", "delete"})


@dataclasses.dataclass(frozen=True)
class Access:
    """Which roles may read, write and delete a record type — declared once, beside the model
    (``__access__``), and read by its console screen and its REST resource alike.

    ``doors`` says which write doors exist at all (an account is closed, never deleted;
    customs data is only ever added). ``省级管理员`` may use every door that exists and is not
    listed. Workflow steps declare their own roles on the step (``app.workflows``).
    """

    read: frozenset[Role] = frozenset({Role.province_reviewer, Role.auditor, Role.district_officer})
    write: frozenset[Role] = frozenset()
    delete: frozenset[Role] = frozenset()
    doors: frozenset[str] = ALL_DOORS

    def roles_for(self, permission: str) -> frozenset[Role]:
        roles = {Role.province_admin}
        if permission in READ_PERMISSIONS or permission == "menu_access":
            roles |= self.read | self.write | self.delete
        elif permission in WRITE_PERMISSIONS:
            roles |= self.write
        elif permission in DELETE_PERMISSIONS:
            roles |= self.delete
        return frozenset(roles)


ADMIN_ONLY = Access(read=frozenset())
#: Everyone reads; the provincial admin writes through every door.
READ_ALL = Access()
#: Everyone reads; nobody writes through a form (records made by workflows or imports).
READ_ONLY = Access(doors=frozenset())
DISTRICT_WRITES = Access(write=frozenset({Role.district_officer}),
                         delete=frozenset({Role.district_officer}))
DISTRICT_WRITES_NO_DELETE = Access(write=frozenset({Role.district_officer}),
                                   doors=frozenset({"add", "edit"}))
DISTRICT_EDITS_ONLY = Access(write=frozenset({Role.district_officer}), doors=frozenset({"edit"}))
