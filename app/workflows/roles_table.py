"""Which role takes which step of each workflow, read from the workflows' ``Step``
declarations — the table in the README (``README.md`` between the ``workflow-roles`` markers)
is this function's output, and ``tests/test_readme.py`` checks they agree. Regenerate it with
``python -m app.workflows.roles_table``."""
from __future__ import annotations

from app.security_model import Role

ROLE_ORDER = (Role.province_admin, Role.province_reviewer, Role.district_officer, Role.auditor)
MARK = "✓"


def workflows() -> list[type]:
    """Every workflow class, in the order a record's life runs through them."""
    from app.workflows.account_change import AccountChangeWorkflow
    from app.workflows.annual_report import AnnualReportWorkflow
    from app.workflows.application import ApplicationWorkflow
    from app.workflows.certificate import CertificateWorkflow
    from app.workflows.fast_track import FastTrackChangeWorkflow, FastTrackWorkflow
    from app.workflows.supervision import (
        AssistanceLetterWorkflow,
        InspectionPlanWorkflow,
        InspectionWorkflow,
    )

    return [FastTrackWorkflow, FastTrackChangeWorkflow, AccountChangeWorkflow,
            AnnualReportWorkflow, ApplicationWorkflow, CertificateWorkflow,
            InspectionPlanWorkflow, InspectionWorkflow, AssistanceLetterWorkflow]


def roles_table_markdown() -> str:
    head = "| 流程 (workflow) | 步骤 (step, API path) | " + " | ".join(
        r.value for r in ROLE_ORDER) + " |"
    lines = [head, "|" + "---|" * (2 + len(ROLE_ORDER))]
    for flow in workflows():
        name = f"{flow.model.__label__} (`{flow.__name__}`)"
        for i, step in enumerate(flow.steps):
            marks = " | ".join(MARK if role in step.roles else "" for role in ROLE_ORDER)
            lines.append(f"| {name if i == 0 else ''} | {step.label} (`{step.name}`) | {marks} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - a developer's tool
    print(roles_table_markdown(), end="")
