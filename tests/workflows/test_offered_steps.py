"""The state machine is the truth: every step a workflow offers a user (the console's buttons)
can be taken with valid input, from every state the workflow can reach.

Each workflow is walked breadth-first from a fresh record: in each state reached, every step
offered to each role is taken on a new record brought to the same state by the same path,
and must succeed. A step declared where the rules never allow it would fail here."""
from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta

from app import clock, policy
from app.enums import CertificateRequestState, FunctionCode
from app.extensions import db
from app.models import Application
from app.services import accounts, annual_reports
from app.services.duties import first_reviewer_id
from app.workflows import run_step
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
from tests import factories
from tests.conftest import DISTRICT_A

ROLES = ("admin", "reviewer", "huangpu", "auditor")
MAX_DEPTH = 8


def _grant_valid_from() -> str:
    """Opened so that its term ends in 30 days: the renewal window is open."""
    years = policy.profile().fast_track_validity_years
    return (clock.today() - relativedelta(years=years) + dt.timedelta(days=30)).isoformat()


def _change_items(cert) -> dict:
    product = cert.application.products[0]
    return {"reason": "制造商名称变更", "items": [
        {"product_id": product.id, "field": "manufacturer", "after": product.manufacturer + "X"}]}


def _extension(cert) -> dict:
    return {"reason": "测试周期延长", "onsite_check_record": "现场核查：样品封存未使用",
            "new_deadline": (cert.supervision_deadline + dt.timedelta(days=90)).isoformat()}


#: Valid input for each step (a function of the record where it depends on it).
INPUTS = {
    "return": {"reason": "材料不齐，请补正"},
    "district_review": factories.FAST_TRACK_DISTRICT_REVIEW,
    "decide": {"decision": "approve", "commerce_confirmed_on": "2020-01-02", "opinion": "同意"},
    "activate": lambda grant: {"fast_track_account": f"BJTD{grant.id:06d}",
                               "valid_from": _grant_valid_from()},
    "renew": {"reason": "使用期内无违规，继续申请"},
    "decide_renewal": {"decision": "approve", "commerce_confirmed_on": "2020-01-02"},
    "suspend": {"reason": "misuse", "remarks": "抽查发现"},
    "revoke": {"reason": "false_declaration"},
    "change": _change_items,
    "reject_change": {"remarks": "理由不充分"},
    "void": {"reason": "合同取消"},
    "reject_void": {"remarks": "不予作废"},
    "extend": _extension,
    "approve_extend": {"use_finding": "unused"},
    "reject_extend": {"remarks": "不予延期"},
    "reject": {"remarks": "不予变更"},
    "forward": {"make_filing": True},  # 账号调整需求: not yet in a 报表, the province makes one
    "approve_write_off": {"complete": True, "consistent": True, "use_unchanged": True,
                          "logical": True},
    "return_write_off": {"complete": False, "remarks": "缺少销毁照片"},
}
FAST_TRACK_CHANGE_INPUTS = {"submit": {"opinion": "同意报市局"}}
SUPERVISION_INPUTS = {
    "draw": {"seed": "walk-seed"},
    "order_correction": {"requirements": "建立台账"},
    "recheck": lambda item: {"rechecked_on": clock.today().isoformat(), "corrected": "yes",
                             "corrected_on": clock.today().isoformat(), "record": "已整改"},
    "report_city": {"reason": "misuse", "opinion": "建议暂停"},
    "report_samr": {"measure": "suspend"},
    "open_case": lambda item: {"case_no": f"立案-{item.id}"},
    "send": lambda item: {"doc_no": f"黄市监协〔2026〕{item.id}号"},
    # the console's today (Beijing), read when the step is taken: the host's date differs
    # from it for eight hours a day, and the suite may cross midnight
    "record_reply": lambda item: {"replied_on": clock.today().isoformat(), "result": "verified",
                                  "summary": "核实无异常"},
    "answer": lambda item: {"replied_on": clock.today().isoformat(), "result": "verified",
                            "summary": "已核实"},
}


def _inspection_with_a_finding(bureau):
    """A fast-track unit's inspection, answered with one finding and two eligible inspectors:
    the path through 不合格 reaches every later step."""
    from app.enums import Answer

    officers = [factories.supervisor(bureau) for _ in range(2)]
    unit = factories.fast_track_unit(bureau)
    item = factories.adhoc_inspection(bureau, ent=unit, inspectors=officers,
                                      inspected_on=clock.today())
    checklist = item.checklist.checklist
    for n, answer in enumerate(item.answers):
        point = checklist.point(answer.point_code)
        answer.answer = Answer[point.finding if n == 0 else point.compliant]
        answer.description = "现场发现问题" if n == 0 else None
    return item


def _start(workflow, bureau, variant=None):
    if workflow is InspectionPlanWorkflow:  # with a unit to draw and officers to send
        factories.issued_unit(bureau)
        for _ in range(2):
            factories.supervisor(bureau)
        return factories.inspection_plan(bureau)
    if workflow is InspectionWorkflow:
        return _inspection_with_a_finding(bureau)
    if workflow is AssistanceLetterWorkflow:
        from app.enums import LetterDirection

        if variant == "incoming":
            return factories.letter(bureau, direction=LetterDirection.incoming,
                                    sent_on=clock.today())
        return factories.letter(bureau, doc_no=None)
    if workflow is ApplicationWorkflow:
        return factories.application(factories.enterprise(bureau))
    if workflow is CertificateWorkflow:
        cert = factories.certificate(factories.application(factories.enterprise(bureau),
                                                           products=1))
        if variant == "accounted":  # every product accounted for: 核销待审
            from app.commands.records import create_record
            from app.enums import UsageKind
            from app.models import UsageRecord

            product = cert.application.products[0]
            create_record(UsageRecord(product=product, kind=UsageKind.use,
                                      quantity=product.quantity, used_on=cert.issued_on,
                                      using_unit="测试单位"))
        return cert
    if workflow is FastTrackWorkflow:
        return factories.fast_track_application(bureau)
    if workflow is FastTrackChangeWorkflow:
        return factories._fast_track_change(bureau)
    if workflow is AccountChangeWorkflow:
        req = factories._change_request(bureau)  # 开通, with the functions it asks for
        req.functions_after = accounts.tags([FunctionCode.first_review])
        return req
    report = factories._annual_report(bureau)
    annual_reports.snapshot_lines(report)  # as creating it through any door does
    return report


#: The recorded review of 受理 / 初审 / 复审 (every check ✓) and of 退回 (one ✗, with why).
APPLICATION_INPUTS = {
    "accept": factories.review_inputs(), "first_review": factories.review_inputs(),
    "second_review": factories.review_inputs(),
    "return": {"reason": "材料不齐，请补正",
               **factories.review_inputs({"materials": "缺少送样通知书"})},
}


def _inputs(workflow, step, item) -> dict:
    table = APPLICATION_INPUTS if workflow is ApplicationWorkflow \
        else FAST_TRACK_CHANGE_INPUTS if workflow is FastTrackChangeWorkflow \
        else SUPERVISION_INPUTS if workflow in (InspectionPlanWorkflow, InspectionWorkflow,
                                                AssistanceLetterWorkflow) else {}
    given = table.get(step.name, INPUTS.get(step.name, {})) if step.inputs else {}
    return given(item) if callable(given) else dict(given)


def _node(workflow, item) -> tuple:
    """A state, and which of its steps are enabled now (the sub-state that decides which
    steps make sense: a pending request, a drawn plan...)."""
    enabled = tuple(sorted(e.id for e in workflow.bind(item).enabled_events()))
    pending = tuple(sorted(r.kind.name for r in getattr(item, "requests", [])
                           if r.state is CertificateRequestState.pending))
    # who passed 初审 decides who may take 复审 (never the same person)
    first_reviewer = first_reviewer_id(item) if isinstance(item, Application) else None
    return item.state, enabled, pending, first_reviewer


def _replay(workflow, bureau, path, variant=None):
    item = _start(workflow, bureau, variant)
    db.session.commit()
    for name, username in path:
        step = workflow.step(name)
        run_step(workflow, item.id, name, factories.user_named(username),
                 _inputs(workflow, step, item))
        db.session.expire_all()
        item = db.session.get(workflow.model, item.id)
    return item


WRITE_OFF_STEPS = {"approve_write_off", "return_write_off", "resubmit_write_off"}
WALKS = [(w, None, None) for w in (ApplicationWorkflow, FastTrackWorkflow,
                                    FastTrackChangeWorkflow, AccountChangeWorkflow,
                                    AnnualReportWorkflow)] + [
    # the write-off review starts once usage records account for everything
    (CertificateWorkflow, None, {s.name for s in CertificateWorkflow.steps} - WRITE_OFF_STEPS),
    (CertificateWorkflow, "accounted", WRITE_OFF_STEPS),
    # 完成计划 waits for the drawn units' inspections (another record's workflow)
    (InspectionPlanWorkflow, None, {"publish", "draw", "verify"}),
    # through 不合格 (the 合格 branch ends the inspection at once)
    (InspectionWorkflow, None, {"record", "order_correction", "recheck", "report_city",
                                "report_samr", "open_case"}),
    (AssistanceLetterWorkflow, "outgoing", {"send", "record_reply"}),
    (AssistanceLetterWorkflow, "incoming", {"register", "answer"}),
]


@pytest.mark.parametrize("workflow, variant, expected", WALKS,
                         ids=[f"{w.__name__}{'-' + v if v else ''}" for w, v, _e in WALKS])
def test_every_offered_step_can_be_taken(app_ctx, bureaus, workflow, variant, expected):
    bureau = bureaus[DISTRICT_A]
    seen, queue, taken = set(), [()], set()
    while queue:
        path = queue.pop(0)
        item = _replay(workflow, bureau, path, variant)
        node = _node(workflow, item)
        if node in seen or len(path) > MAX_DEPTH:
            continue
        seen.add(node)
        for username in ROLES:
            user = factories.user_named(username)
            for step in workflow.offered_steps(item, user):
                fresh = _replay(workflow, bureau, path, variant)
                try:
                    run_step(workflow, fresh.id, step.name, user,
                             _inputs(workflow, step, fresh))
                except Exception as exc:  # noqa: BLE001 - the failure is the finding
                    pytest.fail(f"{workflow.__name__}: “{step.label}” offered to {username} "
                                f"in {node} but refused: {exc}")
                taken.add(step.name)
                queue.append(path + ((step.name, username),))
    # the walk reached every step the workflow declares (or the branch walked)
    wanted = expected or {s.name for s in workflow.steps}
    assert taken == wanted, wanted ^ taken
