"""Reviewer accounts of the national system (seed 003)."""
from __future__ import annotations

from app.models import ReviewerAccount
from app.security_model import READ_ALL
from app.views.base import DomainModelView


class ReviewerAccountView(DomainModelView):
    """The registry. Accounts are never deleted: they are closed (已注销)."""

    model = ReviewerAccount
    access = READ_ALL
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    list_columns = ["bureau", "holder_name", "department", "position", "account_name",
                    "functions", "section_chief_or_above", "phone", "status"]
    search_columns = ["bureau", "holder_name", "account_name", "functions", "status",
                      "section_chief_or_above", "department"]
    show_columns = ["bureau", "holder_name", "department", "position", "section_chief_or_above",
                    "account_name", "functions", "phone", "status", "opened_on", "closed_on",
                    "remarks", "created_at", "updated_at"]
    add_columns = edit_columns = [
        "bureau", "holder_name", "department", "position", "section_chief_or_above",
        "account_name", "functions", "phone", "status", "opened_on", "closed_on", "remarks"]
    base_order = ("bureau_id", "asc")
